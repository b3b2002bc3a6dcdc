// A child process with the same NODE_EXTRA_CA_CERTS as the Graph read driver: one JSON command per stdin line
// (`{ "url": … }`), answered with the status of a plain `fetch` of it (or the error). It proves that the child trusts
// the other server, so that a leak from the read driver would reach it and be recorded.
import { createInterface } from 'node:readline';

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const { url } = JSON.parse(line) as { url: string };
  const answer = await fetch(url).then(
    (response) => ({ status: response.status }),
    (error: unknown) => ({ error: String(error instanceof Error && error.cause !== undefined ? error.cause : error) }),
  );
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
