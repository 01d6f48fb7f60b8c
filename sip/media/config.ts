import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { Port, SecretValue } from '../../common/config.js';

const closed = { additionalProperties: false, default: {} } as const;

/** The control link of a media server (ESL, AMI): where, and the reconnect backoff. */
const mediaLink = (port: number) => ({
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  port: Type.Integer({ ...Port, default: port }),
  reconnectMinMs: Type.Integer({ minimum: 10, default: 500 }),
  reconnectMaxMs: Type.Integer({ minimum: 100, default: 30_000 }),
});

/** A media server's section: its control link and the SIP address the B2BUA sends legs to. */
const mediaServer = <L extends TProperties>(link: L, sipPort: number) =>
  Type.Object({ ...link, sip: Type.Object({ host: Type.String({ minLength: 1, default: '127.0.0.1' }), port: Type.Integer({ ...Port, default: sipPort }) }, closed) }, closed);

/** The media server that anchors and records calls; `none` keeps media phone to phone (nothing recorded). */
export const MediaSchema = Type.Object(
  {
    backend: Type.Union([Type.Literal('none'), Type.Literal('freeswitch'), Type.Literal('asterisk')], { default: 'none' }),
    freeswitch: mediaServer({ esl: Type.Object({ ...mediaLink(8021), password: Type.Union([SecretValue, Type.Null()], { default: null }) }, closed) }, 5080),
    asterisk: mediaServer(
      {
        ami: Type.Object(
          { ...mediaLink(5038), username: Type.String({ minLength: 1, default: 'switchboard' }), secret: Type.Union([SecretValue, Type.Null()], { default: null }) },
          closed,
        ),
      },
      5060,
    ),
    /** A call that should be recorded while the media server is down: refuse it (503) or connect it unrecorded and flag the record. */
    whenDown: Type.Union([Type.Literal('unrecorded'), Type.Literal('reject')], { default: 'unrecorded' }),
    /** Recordings older than this are deleted (sweep at start and hourly); 0 keeps them forever. */
    retentionDays: Type.Integer({ minimum: 0, default: 365 }),
    /** Below this much free space under DATADIR/recordings a call to be recorded connects unrecorded (recording: disk-full). */
    minFreeMiB: Type.Integer({ minimum: 0, default: 512 }),
    /** While a recording runs, free space is read this often; below minFreeMiB running recordings are stopped (the calls go on). */
    diskCheckSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 5 }),
    /** Played to both parties of a recorded call whose policy says announce; null: a built-in 1400 Hz beep. */
    announcement: Type.Object(
      { file: Type.Union([Type.Null(), Type.String({ minLength: 1, description: 'a WAV file path the media server can read' })], { default: null }) },
      closed,
    ),
    /** What a phone hears while the other holds an anchored call; null: a built-in two-note tune. */
    musicOnHold: Type.Object(
      { file: Type.Union([Type.Null(), Type.String({ minLength: 1, description: 'a WAV file path the media server can read' })], { default: null }) },
      closed,
    ),
  },
  { additionalProperties: false, default: {} },
);

export type MediaConfig = Static<typeof MediaSchema>;
