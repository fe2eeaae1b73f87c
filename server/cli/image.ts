import { loadConfig } from '../config.js';
import { buildImage } from '../sandbox/image.js';

export async function buildImageCommand(): Promise<number> {
  const config = loadConfig();
  await buildImage(config.dataDir, {
    ...(config.debianMirror ? { mirror: config.debianMirror } : {}),
    onProgress: (line) => {
      console.log(`nestbox image: ${line}`);
    },
  });
  return 0;
}
