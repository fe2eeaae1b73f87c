/**
 * The plain node-pty + ws baseline, run as its own process by the terminal benchmark: one bash
 * per connection, one binary frame per pty data event, input written straight to the pty. No
 * batching and no flow control: the simplest web terminal that works (design.md §5 "naive").
 * Prints {"port": N} on stdout once it listens on 127.0.0.1.
 */
import { createServer } from 'node:http';
import { homedir } from 'node:os';
import { spawn } from 'node-pty';
import { WebSocketServer } from 'ws';

const server = createServer();
const sockets = new WebSocketServer({ server, perMessageDeflate: false });

sockets.on('connection', (ws) => {
  const pty = spawn('bash', [], {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    cwd: homedir(),
    env: process.env,
    encoding: null,
  });
  pty.onData((data: string | Buffer) => {
    ws.send(data, { binary: true });
  });
  pty.onExit(() => {
    ws.close();
  });
  ws.on('message', (data: Buffer) => {
    pty.write(data);
  });
  ws.on('close', () => {
    pty.kill();
  });
  ws.on('error', () => undefined);
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
