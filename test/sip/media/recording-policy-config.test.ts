import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validateConfig } from '../../../appliance/config/load.js';
import { tempDir } from '../../helpers/appliance.js';
import { beepWav } from '../../../sip/media/beep-wav.js';
import { wavToneShare } from '../../helpers/wav.js';
import { BUILTIN_ANNOUNCEMENT_HZ } from '../../../sip/media/types.js';

const ext = { number: '101', password: 'pw-101-secret', department: 'legal' };

t.test('departments, announce and media.announcement default to recording and announcing nothing', async (t) => {
  const c = validateConfig({ extensions: [ext], trunks: [{ id: 'main', host: '192.0.2.1', inbound: '101', prefix: '9' }], departments: [{ name: 'legal' }] }, 'f.yaml');
  t.same(c.departments, [{ name: 'legal', record: false, announce: false }]);
  t.match(c.extensions[0], { record: false, announce: false });
  t.match(c.trunks[0], { record: false, announce: false });
  t.same(c.media.announcement, { file: null });
});

t.test('a department declared twice, an unknown department key or a bad flag is refused, naming the key', async (t) => {
  t.throws(() => validateConfig({ departments: [{ name: 'legal', record: true }, { name: 'legal' }] }, 'f.yaml'), {
    code: 'SWB_ERR_CONFIG_INVALID',
    message: /f\.yaml: departments\.1\.name: got "legal", expected a name not declared twice/,
  });
  t.throws(() => validateConfig({ departments: [{ name: 'legal', recrod: true }] }, 'f.yaml'), { code: 'SWB_ERR_CONFIG_INVALID', message: /departments\.0\.recrod/ });
  t.throws(() => validateConfig({ departments: [{ name: 'legal', announce: 'yes' }] }, 'f.yaml'), { code: 'SWB_ERR_CONFIG_INVALID', message: /departments\.0\.announce: got "yes"/ });
  t.throws(() => validateConfig({ departments: ['legal'] }, 'f.yaml'), { code: 'SWB_ERR_CONFIG_INVALID', message: /departments\.0/ });
});

t.test('media.announcement.file must be an existing WAV at an absolute path; the error names the key and why', async (t) => {
  const dir = await tempDir(t);
  const wav = path.join(dir, 'notice.wav');
  await writeFile(wav, beepWav());
  t.equal(validateConfig({ media: { announcement: { file: wav } } }, 'f.yaml').media.announcement.file, wav);

  t.throws(() => validateConfig({ media: { announcement: { file: path.join(dir, 'missing.wav') } } }, 'f.yaml'), {
    code: 'SWB_ERR_CONFIG_INVALID',
    message: /f\.yaml: media\.announcement\.file: got ".*missing\.wav", expected a readable WAV file \(ENOENT\)/,
  });
  const text = path.join(dir, 'text.wav');
  await writeFile(text, 'this is not audio at all');
  t.throws(() => validateConfig({ media: { announcement: { file: text } } }, 'f.yaml'), { message: /media\.announcement\.file: got ".*text\.wav", expected a WAV file \(RIFF\/WAVE header\)/ });
  t.throws(() => validateConfig({ media: { announcement: { file: 'notice.wav' } } }, 'f.yaml'), { message: /media\.announcement\.file: got "notice\.wav", expected an absolute path/ });
  t.throws(() => validateConfig({ media: { announcement: { file: '' } } }, 'f.yaml'), { message: /media\.announcement\.file/ });
  t.throws(() => validateConfig({ media: { announcement: { file: path.join(dir, 'my notice.wav') } } }, 'f.yaml'), { message: /media\.announcement\.file: got ".*my notice\.wav", expected a path ending in \.wav, without spaces/ });
  t.throws(() => validateConfig({ media: { announcement: { file: path.join(dir, 'notice.mp3') } } }, 'f.yaml'), { message: /expected a path ending in \.wav/ });
});

t.test('media.musicOnHold.file is checked as the announcement is: an existing WAV at an absolute path', async (t) => {
  const dir = await tempDir(t);
  const wav = path.join(dir, 'moh.wav');
  await writeFile(wav, beepWav());
  t.equal(validateConfig({ media: { musicOnHold: { file: wav } } }, 'f.yaml').media.musicOnHold.file, wav);
  t.equal(validateConfig({}, 'f.yaml').media.musicOnHold.file, null, 'the built-in tune by default');
  t.throws(() => validateConfig({ media: { musicOnHold: { file: path.join(dir, 'missing.wav') } } }, 'f.yaml'), { code: 'SWB_ERR_CONFIG_INVALID', message: /f\.yaml: media\.musicOnHold\.file: got ".*missing\.wav", expected a readable WAV file \(ENOENT\)/ });
  t.throws(() => validateConfig({ media: { musicOnHold: { file: 'moh.wav' } } }, 'f.yaml'), { message: /media\.musicOnHold\.file: got "moh\.wav", expected an absolute path/ });
});

t.test('the built-in announcement WAV is two beeps at the built-in frequency, then silence', async (t) => {
  const dir = await tempDir(t);
  const wav = path.join(dir, 'beep.wav');
  await writeFile(wav, beepWav());
  t.ok(wavToneShare(wav, BUILTIN_ANNOUNCEMENT_HZ, 0, 0.5) > 0.95, 'the first beep');
  t.ok(wavToneShare(wav, BUILTIN_ANNOUNCEMENT_HZ, 1, 1.5) > 0.95, 'the second beep');
  t.ok(wavToneShare(wav, 1000, 0, 0.5) < 0.05, 'not another frequency');
  t.equal(wavToneShare(wav, BUILTIN_ANNOUNCEMENT_HZ, 0.5, 1), 0, 'silence between');
});
