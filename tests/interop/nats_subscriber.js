// An independent NATS client (npm nats) for Gantry's Unified Namespace interop tests.
//   node tests/interop/nats_subscriber.js URL SUBJECT_PATTERN [USER PASSWORD]
//     subscribes, prints "ready" once the server has the subscription, then one JSON line per
//     message: {"subject": "...", "data": <the payload parsed as JSON, or a string>}; prints
//     "reconnected" after the connection came back (it retries every 100 ms, forever).
//   node tests/interop/nats_subscriber.js URL --request SUBJECT [USER PASSWORD]
//     sends one request and prints {"subject": ..., "data": <the reply>} (or {"error": ...}).
// Exits on SIGTERM.
"use strict";
const { connect, StringCodec, Events } = require("nats");

const [url, pattern, third, fourth, fifth] = process.argv.slice(2);
if (!url || !pattern) {
  console.error("usage: node nats_subscriber.js URL SUBJECT_PATTERN [USER PASSWORD]");
  process.exit(2);
}
const requestMode = pattern === "--request";
const credentials = requestMode ? [fourth, fifth] : [third, fourth];
const sc = StringCodec();

function line(subject, bytes) {
  const text = sc.decode(bytes);
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    data = text;
  }
  console.log(JSON.stringify({ subject, data }));
}

(async () => {
  const options = { servers: url, reconnectTimeWait: 100, maxReconnectAttempts: -1,
    waitOnFirstConnect: false };
  if (credentials[0]) {
    options.user = credentials[0];
    options.pass = credentials[1] || "";
  }
  const nc = await connect(options);
  if (requestMode) {
    try {
      const m = await nc.request(third, sc.encode(""), { timeout: 3000 });
      line(third, m.data);
    } catch (e) {
      console.log(JSON.stringify({ error: String(e.message || e) }));
    }
    await nc.close();
    return;
  }
  (async () => {
    for await (const s of nc.status()) {
      if (s.type === Events.Reconnect) console.log("reconnected");
    }
  })();
  const sub = nc.subscribe(pattern);
  await nc.flush();
  console.log("ready");
  for await (const m of sub) line(m.subject, m.data);
})().catch((e) => {
  console.error("error " + (e.message || e));
  process.exit(1);
});
process.on("SIGTERM", () => process.exit(0));
