import { spawnSync } from 'node:child_process';

/** Resolves a Debian-packaged binary, or says plainly how to get it: these tests must not skip silently. */
export function requireBinary(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const bin = found.stdout.trim();
  if (found.status !== 0 || bin === '') {
    throw new Error(`'${name}' is not on PATH. Install the Debian package (apt-get install prometheus), as .ci/run does; this test does not skip without it.`);
  }
  return bin;
}
