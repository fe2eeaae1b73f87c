/**
 * One shell in a pty: node-pty running a sandbox command line, plus the bounded output buffer
 * that lets a client attach late or come back after a disconnect, and bounded input on its way
 * in. It knows nothing of WebSockets; flow control reaches it only as pause() and resume() for
 * output, and as write()'s answer and onInputDrain() for input.
 */
import { spawn, type IPty } from 'node-pty';
import { Emitter, type Disposable } from './disposable.js';
import { OutputBuffer } from './output-buffer.js';
import { PtyInput, type InputAdmission } from './pty-input.js';

export interface CommandLine {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * What node-pty's UnixTerminal has beyond its typings: the master's fd (input is written to it
 * directly, see PtyInput), the socket that reads it (destroying it closes the fd, and marks it
 * destroyed in the same call) and the 'close' event it emits once it has closed that fd.
 */
interface UnixPty extends IPty {
  readonly fd: number;
  readonly _socket: { readonly destroyed: boolean };
  on(event: 'close', listener: () => void): void;
}

function asUnixPty(pty: IPty): UnixPty {
  const candidate = pty as Partial<UnixPty>;
  if (
    typeof candidate.fd !== 'number' ||
    typeof candidate._socket?.destroyed !== 'boolean' ||
    typeof candidate.on !== 'function'
  ) {
    pty.kill('SIGKILL');
    throw new Error('node-pty no longer exposes the pty fd, its read socket and its close event');
  }
  return pty as UnixPty;
}

export class Terminal {
  private readonly pty: UnixPty;
  private readonly input: PtyInput;
  private readonly output: OutputBuffer;
  private readonly outputEmitter = new Emitter<Buffer>();
  private readonly exitEmitter = new Emitter<number>();
  private exitCode: number | undefined;
  private paused = false;

  constructor(
    readonly number: number,
    command: CommandLine,
    size: { cols: number; rows: number },
    outputBufferBytes: number,
  ) {
    this.output = new OutputBuffer(outputBufferBytes);
    this.pty = asUnixPty(
      spawn(command.file, command.args, {
        name: 'xterm-256color',
        cols: size.cols,
        rows: size.rows,
        env: command.env,
        // Raw bytes: the browser's terminal decodes UTF-8, including sequences split across reads.
        encoding: null,
      }),
    );
    const reader = this.pty._socket;
    this.input = new PtyInput(this.pty.fd, () => !reader.destroyed);
    this.pty.on('close', () => {
      this.input.close();
    });
    this.pty.onData((data: string | Buffer) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      if (chunk.length === 0) return; // node-pty may report an empty read; it is not output
      this.output.append(chunk);
      this.outputEmitter.emit(chunk);
    });
    this.pty.onExit(({ exitCode, signal }) => {
      this.exitCode = signal ? 128 + signal : exitCode;
      this.exitEmitter.emit(this.exitCode);
      this.outputEmitter.clear();
      this.exitEmitter.clear();
    });
  }

  /**
   * Resolves at the first byte of output (the shell is up: its prompt), or rejects if the
   * process exits first or stays silent for `timeoutMs`.
   */
  firstOutput(timeoutMs: number): Promise<void> {
    if (this.output.end > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        output.dispose();
        exit.dispose();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        settle(new Error(`no output within ${timeoutMs} ms`));
      }, timeoutMs);
      const output = this.onOutput(() => {
        settle();
      });
      const exit = this.onExit((code) => {
        settle(new Error(`exited with ${code} before any output`));
      });
    });
  }

  /** The shell's exit status, once it has exited. */
  get exited(): number | undefined {
    return this.exitCode;
  }

  /** Bytes of output produced so far: the offset of the next byte. */
  get outputOffset(): number {
    return this.output.end;
  }

  outputSince(offset: number): { data: Buffer; lost: number; start: number } {
    return this.output.since(offset);
  }

  onOutput(listener: (chunk: Buffer) => void): Disposable {
    return this.outputEmitter.on(listener);
  }

  onExit(listener: (code: number) => void): Disposable {
    return this.exitEmitter.on(listener);
  }

  /**
   * Queues input for the shell. 'hold' means the shell is behind: send no more until
   * onInputDrain. 'refused' means the input was dropped: the sender ignored a 'hold'.
   */
  write(data: Buffer | string): InputAdmission {
    if (this.exitCode !== undefined) return 'taken';
    return this.input.write(typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** After a 'hold', called once the shell has taken everything queued. */
  onInputDrain(listener: () => void): Disposable {
    return this.input.onDrain(listener);
  }

  resize(cols: number, rows: number): void {
    if (this.exitCode === undefined) this.pty.resize(cols, rows);
  }

  /** Stops reading the pty: the shell blocks once the kernel's pty buffer is full. */
  pause(): void {
    if (this.paused || this.exitCode !== undefined) return;
    this.paused = true;
    this.pty.pause();
  }

  resume(): void {
    if (!this.paused || this.exitCode !== undefined) return;
    this.paused = false;
    this.pty.resume();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Ends the process if it still runs (the sandbox's own teardown normally ends it first). */
  kill(): void {
    if (this.exitCode === undefined) this.pty.kill('SIGKILL');
  }
}
