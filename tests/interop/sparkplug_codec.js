// The npm `sparkplug-payload` package (Eclipse Tahu's JavaScript codec) as the independent peer of
// Gantry's own Sparkplug B codec (src/field/mqtt/sparkplug_payload_differential_test.cc).
//   node sparkplug_codec.js encode   -> one hex-encoded payload per line (the cases below)
//   node sparkplug_codec.js decode   <- hex payloads on stdin, one per line
//                                    -> per line, the message as protobufjs (the package's generated
//                                       schema code) decodes it: JSON with the schema's field names
//                                       in camelCase, uint64 as strings, bytes as hex
// (The package's high-level decodePayload cannot read DataSets back, so decode uses its schema.)
'use strict';
const sparkplug = require('sparkplug-payload').get('spBv1.0');
const Long = require('long');
const schema = require('sparkplug-payload/lib/sparkplugPayloadProto.js').org.eclipse.tahu.protobuf.Payload;

function cases() {
  return [
    {  // 0: a node birth with one metric of each basic type
      timestamp: 1700000000123, seq: 0,
      metrics: [
        {name: 'bdSeq', type: 'Int64', value: Long.fromNumber(7)},
        {name: 'Speed', alias: 1, type: 'Double', value: 12.5, timestamp: 1700000000100,
         properties: {engUnit: {type: 'String', value: 'm/s'}}},
        {name: 'Count', alias: 2, type: 'Int32', value: -5},
        {name: 'Running', alias: 3, type: 'Boolean', value: true},
        {name: 'Product', alias: 4, type: 'String', value: 'P-17 \u00e9'},
        {name: 'Temp', alias: 5, type: 'Float', value: 21.25},
        {name: 'Total', alias: 6, type: 'UInt64', value: Long.fromString('18446744073709551615', true)},
        {name: 'Level', alias: 7, type: 'UInt32', value: 4000000000},
        {name: 'Offset', alias: 8, type: 'Int8', value: -3},
        {name: 'Missing', alias: 9, type: 'Double', value: null},
        {name: 'Since', alias: 10, type: 'DateTime', value: Long.fromNumber(1699999999000)},
        {name: 'Blob', alias: 11, type: 'Bytes', value: Buffer.from([1, 2, 0, 255]),
         metadata: {contentType: 'application/octet-stream', size: 4}},
        {name: 'Old', alias: 12, type: 'Double', value: 1.5, isHistorical: true, timestamp: 1600000000000},
        {name: 'Node Control/Rebirth', type: 'Boolean', value: false},
      ],
    },
    {  // 1: a device data message by alias only
      timestamp: 1700000001000, seq: 5,
      metrics: [
        {alias: 1, type: 'Double', value: 13.75, timestamp: 1700000000999},
        {alias: 2, type: 'Int32', value: 2147483647},
      ],
    },
    {  // 2: a data set and a template with a nested metric and a parameter
      timestamp: 1700000002000, seq: 6, uuid: 'gantry-test',
      metrics: [
        {name: 'Batch', type: 'DataSet', value: {numOfColumns: 2, columns: ['step', 'temp'],
          types: ['Int32', 'Double'], rows: [[1, 20.5], [2, 21.5]]}},
        {name: 'Motor', type: 'Template', value: {version: 'v1', templateRef: 'MotorType',
          isDefinition: false, metrics: [{name: 'rpm', type: 'Int32', value: 1450}],
          parameters: [{name: 'max', type: 'Double', value: 3000.5}]}},
      ],
    },
  ];
}

function toJson(payload) {
  return JSON.stringify(payload, function (key, value) {
    const raw = this[key];
    if (Long.isLong(raw)) return raw.toString();
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('hex');
    return value;
  });
}

if (process.argv[2] === 'encode') {
  for (const c of cases()) process.stdout.write(Buffer.from(sparkplug.encodePayload(c)).toString('hex') + '\n');
} else if (process.argv[2] === 'decode') {
  let input = '';
  process.stdin.on('data', (d) => { input += d; });
  process.stdin.on('end', () => {
    for (const line of input.split('\n')) {
      if (!line.trim()) continue;
      try {
        const message = schema.decode(Buffer.from(line.trim(), 'hex'));
        process.stdout.write(toJson(schema.toObject(message, {longs: String, bytes: Buffer})) + '\n');
      } catch (e) {
        process.stdout.write(JSON.stringify({error: String(e)}) + '\n');
      }
    }
  });
} else {
  console.error('usage: node sparkplug_codec.js encode|decode');
  process.exit(2);
}
