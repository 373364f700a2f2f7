// An independent MQTT subscriber (npm `mqtt` and `sparkplug-payload`) for Gantry's Unified
// Namespace over MQTT: plain JSON values and Sparkplug B (Gantry as an edge node).
//   node tests/interop/mqtt_uns_subscriber.js --port P --filter F [--sparkplug] [--id ID]
// Subscribes to F (QoS 1), prints "ready" once the broker granted it, then one JSON line per
// message: {"topic", "retained", "data"}: data is the payload parsed as JSON (plain), or the
// decoded Sparkplug payload {"timestamp","seq","metrics":[{"name","alias","datatype","value",
// "is_null","timestamp","properties"}]} with --sparkplug (64-bit numbers as JS numbers).
// Prints "reconnected" after the connection came back (it retries every 100 ms).
// stdin, one command a line:
//   rebirth <group> <edge node>   publish the NCMD "Node Control/Rebirth" = true (QoS 0)
//   exit                          disconnect and quit
'use strict';
const mqtt = require('mqtt');
const sparkplug = require('sparkplug-payload').get('spBv1.0');
const readline = require('readline');

const args = {port: 1883, filter: '#', sparkplug: false, id: `uns-sub-${process.pid}`};
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  if (a === '--sparkplug') args.sparkplug = true;
  else args[a.replace(/^--/, '')] = process.argv[++i];
}

const num = (v) => (v !== null && typeof v === 'object' && typeof v.toNumber === 'function')
    ? v.toNumber() : v;

function decodeSparkplug(bytes) {
  const p = sparkplug.decodePayload(bytes);
  const out = {timestamp: num(p.timestamp), seq: num(p.seq), metrics: []};
  for (const m of p.metrics || []) {
    const props = {};
    if (m.properties) {
      for (const [k, v] of Object.entries(m.properties)) props[k] = {type: v.type, value: num(v.value)};
    }
    out.metrics.push({
      name: m.name, alias: num(m.alias), datatype: m.type, value: num(m.value),
      is_null: !!m.isNull, timestamp: num(m.timestamp), properties: props,
    });
  }
  return out;
}

let connectedOnce = false;
const client = mqtt.connect(`mqtt://127.0.0.1:${args.port}`, {
  clientId: args.id, clean: true, protocolVersion: 4, reconnectPeriod: 100, connectTimeout: 2000,
});
client.on('connect', () => {
  client.subscribe(args.filter, {qos: 1}, (err) => {
    if (err) { console.log('error ' + err.message); return; }
    console.log(connectedOnce ? 'reconnected' : 'ready');
    connectedOnce = true;
  });
});
client.on('message', (topic, payload, packet) => {
  let data;
  try {
    data = args.sparkplug && topic.startsWith('spBv1.0/') ? decodeSparkplug(payload)
                                                          : JSON.parse(payload.toString());
  } catch (e) {
    data = {undecodable: String(e.message || e), text: payload.toString('hex')};
  }
  console.log(JSON.stringify({topic, retained: !!packet.retain, data}));
});
client.on('error', (e) => console.log('error ' + e.message));

readline.createInterface({input: process.stdin}).on('line', (line) => {
  const [cmd, a, b] = line.trim().split(/\s+/);
  if (cmd === 'rebirth') {
    const payload = sparkplug.encodePayload({timestamp: Date.now(), metrics: [
      {name: 'Node Control/Rebirth', type: 'Boolean', value: true}]});
    client.publish(`spBv1.0/${a}/NCMD/${b}`, payload, {qos: 0}, () => console.log('sent rebirth'));
  } else if (cmd === 'exit') {
    client.end(false, () => process.exit(0));
  }
});
process.on('SIGTERM', () => client.end(true, () => process.exit(0)));
