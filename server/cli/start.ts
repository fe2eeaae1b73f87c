export async function start(_options: { dev: boolean }): Promise<number> {
  return 1;
}
