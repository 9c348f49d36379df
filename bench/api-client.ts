/*
 * The benchmark's HTTP client in a process of its own (forked by bench/processing-child.ts 'api'),
 * as a real API client is: its requests, response parsing and garbage are then not the server's
 * work, and its garbage is not collected inside the server's requests. Asked over IPC to time
 * `rounds` requests to each of several URLs in turn, request by request; answers each request's
 * milliseconds per URL (the first `warm` rounds not counted). It says 'ready' first: a message sent
 * before its listener is attached (while tsx loads this file) would be lost.
 */

export interface ClientTask {
  requests: { url: string; headers: Record<string, string> }[];
  rounds: number;
  warm: number;
}

process.on('message', (message: unknown) => {
  void (async () => {
    const { requests, rounds, warm } = message as ClientTask;
    const times: number[][] = requests.map(() => []);
    for (let i = 0; i < rounds; i++) {
      for (const [n, { url, headers }] of requests.entries()) {
        const t0 = performance.now();
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
        if (i >= warm) times[n]!.push(performance.now() - t0);
      }
    }
    process.send!(times);
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
process.send!('ready');
