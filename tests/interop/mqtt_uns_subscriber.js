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
//   takeover <client id>          connect a second client with that id (the broker drops the
//                                 first one uncleanly: its will is published), then leave cleanly
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

const proto = require('sparkplug-payload/lib/sparkplugPayloadProto').org.eclipse.tahu.protobuf;

const num = (v) => (v !== null && typeof v === 'object' && typeof v.toNumber === 'function')
    ? v.toNumber() : v;

// Like a host: DATA metrics carry only an alias, their datatype comes from the last NBIRTH of the
// node (the library decodes a value only with its datatype). Int64 is two's complement in the
// uint64 long_value: read back as signed.
const aliasTypes = {};  // "<group>/<node>" -> alias -> datatype
function decodeSparkplug(topic, bytes) {
  const [, group, type, node] = topic.split('/');
  const key = `${group}/${node}`;
  const raw = proto.Payload.decode(bytes);
  if (type === 'NBIRTH') {
    aliasTypes[key] = {};
    for (const m of raw.metrics) {
      if (m.alias !== null && m.alias !== undefined) aliasTypes[key][num(m.alias)] = m.datatype;
    }
  }
  const isNull = [];
  for (const m of raw.metrics) {
    isNull.push(!!m.isNull);
    if (!m.datatype && m.alias !== null && m.alias !== undefined && aliasTypes[key])
      m.datatype = aliasTypes[key][num(m.alias)];
  }
  const p = sparkplug.decodePayload(proto.Payload.encode(raw).finish());
  const out = {timestamp: num(p.timestamp), seq: num(p.seq), metrics: []};
  (p.metrics || []).forEach((m, i) => {
    const props = {};
    if (m.properties) {
      for (const [k, v] of Object.entries(m.properties)) props[k] = {type: v.type, value: num(v.value)};
    }
    let value = m.value;
    if (m.type === 'Int64' && value !== null && typeof value === 'object' && value.toSigned)
      value = value.toSigned();
    out.metrics.push({
      name: m.name, alias: num(m.alias), datatype: m.type, value: num(value),
      is_null: isNull[i], timestamp: num(m.timestamp), properties: props,
    });
  });
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
    data = args.sparkplug && topic.startsWith('spBv1.0/') ? decodeSparkplug(topic, payload)
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
  } else if (cmd === 'takeover') {
    const intruder = mqtt.connect(`mqtt://127.0.0.1:${args.port}`, {
      clientId: a, clean: true, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2000});
    intruder.on('connect', () => intruder.end(false, () => console.log('took over ' + a)));
    intruder.on('error', (e) => console.log('error ' + e.message));
  } else if (cmd === 'exit') {
    client.end(false, () => process.exit(0));
  }
});
process.on('SIGTERM', () => client.end(true, () => process.exit(0)));
