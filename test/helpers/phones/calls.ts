import type { Test } from 'tap';
import type { Appliance } from '../../../appliance/app.js';
import { waitFor } from '../sip.js';
import { wavToneShare } from '../wav.js';

/** The one call between these extensions, once ended. */
export async function endedCall(app: Appliance, from: string, to: string): Promise<Record<string, unknown>> {
  let call: Record<string, unknown> | undefined;
  await waitFor(() => (call = app.sip.calls.list({ limit: 50 }).items.find((c) => c.from === from && c.to === to && c.state === 'ended') as Record<string, unknown> | undefined) !== undefined, 15_000, `the call ${from} -> ${to} to end`);
  return call!;
}

/** The other side's tone dominates what a phone received, and its own is not echoed back. */
export function hears(t: Test, file: string, hz: number, own: number, who: string): void {
  const heard = wavToneShare(file, hz, 0.5, 3.5);
  t.ok(heard > 0.6, `${who} hears the other side's ${hz} Hz tone (share ${heard.toFixed(3)})`);
  t.ok(wavToneShare(file, own, 0.5, 3.5) < 0.05, `${who} does not hear its own ${own} Hz tone back`);
}
