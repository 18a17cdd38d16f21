/**
 * Text messages behind an adapter. Here a file sender (one JSON line per message) stands in for
 * an SMS gateway; a gateway adapter implements the same interface.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface OutgoingSms {
  /** Ecuadorian mobile number as stored on the account, e.g. `0991234567`. */
  to: string;
  text: string;
  /** Stable id of the message (the notice id) so a resend is recognisable. */
  reference: string;
}

export interface SmsSender {
  send(sms: OutgoingSms): Promise<void>;
}

/** Appends `{"at","to","text","reference"}` lines to `file` (folders created as needed). */
export function createFileSmsSender(file: string): SmsSender & { file: string } {
  return {
    file,
    async send(sms) {
      await mkdir(path.dirname(file), { recursive: true });
      const line = JSON.stringify({ at: new Date().toISOString(), ...sms });
      await appendFile(file, `${line}\n`, 'utf8');
    },
  };
}
