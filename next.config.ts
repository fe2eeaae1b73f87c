import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The custom server (server/main.ts) owns the process; Next only renders pages.
  poweredByHeader: false,
  // node-pty and ws never reach the browser bundle; keep them out of server bundling too.
  serverExternalPackages: ['node-pty', 'ws', 'better-sqlite3'],
};

export default nextConfig;
