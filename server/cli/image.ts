import { loadConfig } from '../config.js';
import { buildImage, imageStatus } from '../sandbox/image.js';

/** `nestbox image build`: (re)builds the image, printing debootstrap's progress as it goes. */
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

/** `nestbox image status`: exit 0 when the image is ready, 1 (with the reason) when not. */
export async function imageStatusCommand(): Promise<number> {
  const status = await imageStatus(loadConfig().dataDir);
  console.log(
    status.ready
      ? `ready: ${status.rootfs} (built ${status.builtAt ?? '?'})`
      : `not ready: ${status.reason ?? 'unknown'}`,
  );
  return status.ready ? 0 : 1;
}
