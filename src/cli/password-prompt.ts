/**
 * @module Reads a new password for `probe admin set-password`: from a pipe, or typed twice on a
 * terminal without echo.
 */
import { ProbeError } from '../util/errors';

/** One line typed on the terminal without echo; Ctrl-C exits with 130. */
function ask(prompt: string): Promise<string> {
  return new Promise<string>((resolve) => {
    process.stdout.write(prompt);
    let typed = '';
    process.stdin.setRawMode(true);
    process.stdin.resume();
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          process.stdin.off('data', onData);
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdout.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    process.stdin.on('data', onData);
  });
}

/** A password from a pipe (one line), or typed twice on a terminal without echo. */
export async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  const first = await ask('New admin password: ');
  if ((await ask('Again: ')) !== first) throw new ProbeError('PROBE_ERR_BAD_REQUEST', 'the two passwords differ: nothing changed');
  return first;
}
