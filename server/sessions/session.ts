/**
 * One learner session: one sandbox joined to one pty, plus the output buffer that lets a client
 * attach after output has started. It never sees a WebSocket (design.md §3).
 */
import { spawn, type IPty } from 'node-pty';
import type { Sandbox } from '../sandbox/index.js';
import { Emitter, type Disposable } from './disposable.js';
import { OutputBuffer } from './output-buffer.js';

export interface SessionInit {
  id: string;
  token: string;
  scenario: string;
  sandbox: Sandbox;
  outputBufferBytes: number;
  cols?: number;
  rows?: number;
}

export class Session {
  readonly id: string;
  readonly token: string;
  readonly scenario: string;
  readonly createdAt = Date.now();
  private readonly sandbox: Sandbox;
  private readonly pty: IPty;
  private readonly output: OutputBuffer;
  private readonly outputEmitter = new Emitter<Buffer>();
  private readonly exitEmitter = new Emitter<number>();
  private exitCode: number | undefined;
  private disposed: Promise<void> | undefined;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.token = init.token;
    this.scenario = init.scenario;
    this.sandbox = init.sandbox;
    this.output = new OutputBuffer(init.outputBufferBytes);
    this.pty = spawn(init.sandbox.start.file, init.sandbox.start.args, {
      name: 'xterm-256color',
      cols: init.cols ?? 80,
      rows: init.rows ?? 24,
      env: init.sandbox.start.env,
      // Raw bytes both ways: the terminal's own UTF-8 decoder handles split sequences.
      encoding: null,
    });
    this.pty.onData((data: string | Buffer) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      this.output.append(chunk);
      this.outputEmitter.emit(chunk);
    });
    this.pty.onExit(({ exitCode }) => {
      this.exitCode = exitCode;
      this.exitEmitter.emit(exitCode);
      void this.dispose();
    });
  }

  /** The exit status of the shell, once it has exited. */
  get exited(): number | undefined {
    return this.exitCode;
  }

  /** Bytes of output produced so far. */
  get outputOffset(): number {
    return this.output.end;
  }

  /** Output from `offset` on, and how many requested bytes have already rolled out. */
  outputSince(offset: number): { data: Buffer; lost: number } {
    return this.output.since(offset);
  }

  onOutput(listener: (chunk: Buffer) => void): Disposable {
    return this.outputEmitter.on(listener);
  }

  onExit(listener: (code: number) => void): Disposable {
    return this.exitEmitter.on(listener);
  }

  write(data: Buffer | string): void {
    if (this.disposed || this.exitCode !== undefined) return;
    this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.disposed || this.exitCode !== undefined) return;
    this.pty.resize(cols, rows);
  }

  /** Ends the shell and destroys the sandbox. Idempotent; resolves when nothing is left. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      try {
        await this.sandbox.destroy();
      } finally {
        if (this.exitCode === undefined) this.pty.kill('SIGKILL');
        this.outputEmitter.clear();
        this.exitEmitter.clear();
      }
    })();
    return this.disposed;
  }
}
