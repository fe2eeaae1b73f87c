/**
 * One shell in a pty: node-pty running a sandbox command line, plus the bounded output buffer
 * that lets a client attach late or come back after a disconnect. It knows nothing of
 * WebSockets; flow control reaches it only as pause() and resume().
 */
import { spawn, type IPty } from 'node-pty';
import { Emitter, type Disposable } from './disposable.js';
import { OutputBuffer } from './output-buffer.js';

export interface CommandLine {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export class Terminal {
  private readonly pty: IPty;
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
    this.pty = spawn(command.file, command.args, {
      name: 'xterm-256color',
      cols: size.cols,
      rows: size.rows,
      env: command.env,
      // Raw bytes: the browser's terminal decodes UTF-8, including sequences split across reads.
      encoding: null,
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

  write(data: Buffer | string): void {
    if (this.exitCode === undefined) this.pty.write(data);
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
