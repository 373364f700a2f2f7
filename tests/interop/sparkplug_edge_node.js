// A Sparkplug B 3.0 edge node for Gantry's interop tests, built on the npm `mqtt` client and
// `sparkplug-payload` codec (independent of Gantry's code). One edge node with one device; births
// on every connect and on a rebirth NCMD; everything else is scripted on stdin, one command a line:
//   birth                    NBIRTH then DBIRTH (new seq 0)
//   ddata <metric> <value> [ms]   DDATA by alias (metric Speed|Count|Running|Product); ms = timestamp
//   hist <metric> <value> <ms>    DDATA, is_historical
//   null <metric>            DDATA with is_null
//   alias <n> <value>        DDATA with raw alias n (a Double), whatever the birth said
//   ndata <value>            NDATA of the node metric Uptime
//   skip                     count one seq without publishing (a lost message)
//   ndeath | ddeath          publish NDEATH (with this connection's bdSeq) / DDEATH
//   pub <topic> <payload...> publish a plain MQTT message (QoS 1)
//   sub <filter>             subscribe; each message then prints MSG <topic> <retained 0|1> <text>
//   exit                     disconnect cleanly and quit
// Flags: --port P --group G --node N --device D [--no-birth] (no births until `birth`; NCMDs are
// only counted). Prints READY once connected the first time, then one line per event:
// CONNECTED, SENT <type> <seq>, NCMD rebirth <count>, PUBLISHED <topic>.
// A DCMD/NCMD writing one of its metrics (by name, or by alias) prints
//   CMD <DCMD|NCMD> <name> alias=<alias|-> type=<datatype> value=<value> qos=<q> retain=<0|1>
// and, for a known metric, sets it and publishes the new value in DDATA/NDATA (by alias).
'use strict';
const mqtt = require('mqtt');
const sparkplug = require('sparkplug-payload').get('spBv1.0');
const readline = require('readline');

const args = {port: 1883, group: 'G1', node: 'Edge1', device: 'Filler', birth: true};
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  if (a === '--no-birth') args.birth = false;
  else args[a.replace(/^--/, '')] = process.argv[++i];
}

const ns = 'spBv1.0';
const topic = (type, device) =>
    `${ns}/${args.group}/${type}/${args.node}` + (device ? `/${args.device}` : '');
const metrics = {
  Speed: {alias: 1, type: 'Double', value: 10.5},
  Count: {alias: 2, type: 'Int32', value: -3},
  Running: {alias: 3, type: 'Boolean', value: true},
  Product: {alias: 4, type: 'String', value: 'P-17'},
};
const nodeMetrics = {Uptime: {alias: 20, type: 'Int64', value: 1}};
let bdSeq = 0;
let seq = 0;
let rebirths = 0;
let ready = false;

function nextSeq() {
  const s = seq;
  seq = (seq + 1) % 256;
  return s;
}

function deathPayload() {
  return sparkplug.encodePayload({timestamp: Date.now(), metrics: [{name: 'bdSeq', type: 'Int64', value: bdSeq}]});
}

const client = mqtt.connect(`mqtt://127.0.0.1:${args.port}`, {
  clientId: `edge-${args.group}-${args.node}`,
  clean: true,
  protocolVersion: 4,
  reconnectPeriod: 200,
  connectTimeout: 2000,
  keepalive: 5,
  will: {topic: topic('NDEATH'), payload: deathPayload(), qos: 1, retain: false},
});

function send(type, device, payload) {
  client.publish(topic(type, device), sparkplug.encodePayload(payload), {qos: 0});
  console.log(`SENT ${type} ${payload.seq === undefined ? '-' : payload.seq}`);
}

function births() {
  seq = 0;
  const now = Date.now();
  const nm = [{name: 'bdSeq', type: 'Int64', value: bdSeq},
              {name: 'Node Control/Rebirth', type: 'Boolean', value: false}];
  for (const [name, m] of Object.entries(nodeMetrics)) nm.push({name, alias: m.alias, type: m.type, value: m.value, timestamp: now});
  send('NBIRTH', false, {timestamp: now, seq: nextSeq(), metrics: nm});
  const dm = [];
  for (const [name, m] of Object.entries(metrics)) dm.push({name, alias: m.alias, type: m.type, value: m.value, timestamp: now});
  send('DBIRTH', true, {timestamp: now, seq: nextSeq(), metrics: dm});
}

function parseValue(type, text) {
  if (type === 'Boolean') return text === 'true';
  if (type === 'String') return text;
  return Number(text);
}

client.on('connect', () => {
  client.subscribe([topic('NCMD'), topic('DCMD', true)], {qos: 0}, () => {
    console.log('CONNECTED');
    if (args.birth) births();
    if (!ready) { ready = true; console.log('READY'); }
  });
});
function applyCommand(kind, m, packet, now) {
  const table = kind === 'DCMD' ? metrics : nodeMetrics;
  let name = m.name;
  if (name === undefined || name === null)
    name = Object.keys(table).find((k) => table[k].alias === Number(m.alias));
  const alias = m.alias === undefined || m.alias === null ? '-' : String(m.alias);
  console.log(`CMD ${kind} ${name} alias=${alias} type=${m.type} value=${String(m.value)} ` +
              `qos=${packet.qos} retain=${packet.retain ? 1 : 0}`);
  const target = table[name];
  if (!target) return;
  target.value = typeof m.value === 'object' && m.value !== null ? Number(m.value.toString()) : m.value;
  send(kind === 'DCMD' ? 'DDATA' : 'NDATA', kind === 'DCMD',
       {timestamp: now, seq: nextSeq(), metrics: [{alias: target.alias, type: target.type, value: target.value, timestamp: now}]});
}

client.on('message', (t, buf, packet) => {
  if (t.includes('/DCMD/')) {
    const p = sparkplug.decodePayload(buf);
    for (const m of p.metrics || []) applyCommand('DCMD', m, packet, Date.now());
    return;
  }
  if (!t.includes('/NCMD/')) {
    console.log(`MSG ${t} ${packet.retain ? 1 : 0} ${buf.toString()}`);
    return;
  }
  const p = sparkplug.decodePayload(buf);
  for (const m of p.metrics || []) {
    if (m.name === 'Node Control/Rebirth' && m.value === true) {
      rebirths += 1;
      console.log(`NCMD rebirth ${rebirths}`);
      if (args.birth) births();
    } else if (m.name !== 'Node Control/Rebirth') {
      applyCommand('NCMD', m, packet, Date.now());
    }
  }
});
client.on('error', (e) => console.log(`ERROR ${e.message}`));

readline.createInterface({input: process.stdin}).on('line', (line) => {
  const [cmd, ...rest] = line.trim().split(/\s+/);
  const now = Date.now();
  if (cmd === 'birth') {
    args.birth = true;
    births();
  } else if (cmd === 'ddata' || cmd === 'hist') {
    const m = metrics[rest[0]];
    m.value = parseValue(m.type, rest[1]);
    const ts = rest[2] ? Number(rest[2]) : now;
    const metric = {alias: m.alias, type: m.type, value: m.value, timestamp: ts};
    if (cmd === 'hist') metric.isHistorical = true;
    send('DDATA', true, {timestamp: now, seq: nextSeq(), metrics: [metric]});
  } else if (cmd === 'null') {
    const m = metrics[rest[0]];
    send('DDATA', true, {timestamp: now, seq: nextSeq(), metrics: [{alias: m.alias, type: m.type, value: null, timestamp: now}]});
  } else if (cmd === 'alias') {
    send('DDATA', true, {timestamp: now, seq: nextSeq(), metrics: [{alias: Number(rest[0]), type: 'Double', value: Number(rest[1]), timestamp: now}]});
  } else if (cmd === 'ndata') {
    nodeMetrics.Uptime.value = Number(rest[0]);
    send('NDATA', false, {timestamp: now, seq: nextSeq(), metrics: [{alias: 20, type: 'Int64', value: nodeMetrics.Uptime.value, timestamp: now}]});
  } else if (cmd === 'skip') {
    nextSeq();
    console.log('SKIPPED');
  } else if (cmd === 'ndeath') {
    client.publish(topic('NDEATH'), deathPayload(), {qos: 1}, () => console.log('SENT NDEATH -'));
  } else if (cmd === 'ddeath') {
    send('DDEATH', true, {timestamp: now, seq: nextSeq(), metrics: []});
  } else if (cmd === 'pub') {
    const payload = line.trim().split(/\s+/).slice(2).join(' ');
    client.publish(rest[0], payload, {qos: 1}, () => console.log(`PUBLISHED ${rest[0]}`));
  } else if (cmd === 'sub') {
    client.subscribe(rest[0], {qos: 1}, () => console.log(`SUBSCRIBED ${rest[0]}`));
  } else if (cmd === 'exit') {
    client.end(false, () => process.exit(0));
  }
});
process.stdin.on('end', () => client.end(true, () => process.exit(0)));
