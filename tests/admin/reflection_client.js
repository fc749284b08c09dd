// What a grpcurl user gets: with no copy of any .proto file, list memgate's
// admin services through server reflection, read admin.proto's comments from
// the descriptors, and call AdminService and Health using only what
// reflection returned, through both reflection versions (v1alpha, v1).
// usage: node reflection_client.js ADMIN_ADDRESS   (run from a directory whose
// node_modules holds grpc-js-reflection-client and @grpc/grpc-js)
'use strict';

const path = require('path');
const modules = path.join(process.cwd(), 'node_modules');
const grpc = require(path.join(modules, '@grpc/grpc-js'));
const { GrpcReflection } = require(path.join(modules, 'grpc-js-reflection-client'));
const { FileDescriptorProto } = require(path.join(modules, 'protobufjs/ext/descriptor'));

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function call(client, method, request) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + 10000);
    client[method](request, { deadline }, (error, response) =>
      error ? reject(error) : resolve(response));
  });
}

// A client for `service`, built from the descriptors reflection returns for it.
async function reflectedClient(reflection, address, service) {
  const descriptor = await reflection.getDescriptorBySymbol(service);
  const pkg = descriptor.getPackageObject({ keepCase: true, enums: String, longs: String });
  const Client = service.split('.').reduce((object, name) => object && object[name], pkg);
  if (typeof Client !== 'function') fail(`no ${service} in the reflected descriptors`);
  return new Client(address, grpc.credentials.createInsecure());
}

// The leading comment of `message`.`field` in the file reflection returns for
// the message: what `grpcurl describe` prints above the field.
async function fieldComment(reflection, message, field) {
  const files = (await reflection.getProtoDescriptorBySymbol(message))
    .map((bytes) => FileDescriptorProto.decode(bytes));
  const parts = message.split('.');
  const file = files.find((f) => f.package === parts.slice(0, -1).join('.'));
  if (!file) fail(`no file for ${message} in the reflection answer`);
  const messageIndex = file.messageType.findIndex((m) => m.name === parts[parts.length - 1]);
  const fieldIndex = file.messageType[messageIndex].field.findIndex((f) => f.name === field);
  // descriptor.proto paths: message_type = 4, field = 2.
  const want = [4, messageIndex, 2, fieldIndex].join(',');
  const locations = (file.sourceCodeInfo && file.sourceCodeInfo.location) || [];
  const location = locations.find((l) => l.path.join(',') === want);
  return location ? location.leadingComments || '' : '';
}

async function checkVersion(address, version) {
  const reflection = new GrpcReflection(address, grpc.credentials.createInsecure(), {}, version);
  const services = await reflection.listServices();
  console.log(`${version} services: ${services.join(', ')}`);
  for (const want of ['memgate.admin.v1.AdminService', 'grpc.health.v1.Health']) {
    if (!services.includes(want)) fail(`reflection does not list ${want}`);
  }

  const comment = await fieldComment(reflection, 'memgate.admin.v1.Listener', 'bound_address');
  console.log(`${version} Listener.bound_address comment: ${JSON.stringify(comment)}`);
  if (!comment.includes('The address actually bound')) {
    fail(`${version}: Listener.bound_address comes without its admin.proto comment`);
  }

  const admin = await reflectedClient(reflection, address, 'memgate.admin.v1.AdminService');
  const info = await call(admin, 'GetServerInfo', {});
  console.log(`GetServerInfo: version ${info.version}, backend ${info.backend}, threads ${info.threads}`);
  if (!info.version || info.backend !== 'memory') fail(`unexpected ServerInfo ${JSON.stringify(info)}`);

  const listeners = await call(admin, 'ListListeners', {});
  const ids = listeners.listeners.map((l) => `${l.id}=${l.bound_address} ${l.state}`);
  console.log(`ListListeners: ${ids.join(', ')}`);
  if (!listeners.listeners.some((l) => l.id === 'l1' && l.state === 'ACCEPTING')) {
    fail('listener l1 missing from ListListeners');
  }

  try {
    await call(admin, 'GetListener', { name: 'listeners/missing' });
    fail('GetListener of a missing listener succeeded');
  } catch (error) {
    if (error.code !== grpc.status.NOT_FOUND) fail(`GetListener: want NOT_FOUND, got ${error.code}`);
  }
  admin.close();

  const health = await reflectedClient(reflection, address, 'grpc.health.v1.Health');
  const overall = await call(health, 'Check', {});
  const service = await call(health, 'Check', { service: 'memgate.admin.v1.AdminService' });
  console.log(`Health/Check: ${overall.status}, AdminService ${service.status}`);
  if (overall.status !== 'SERVING' || service.status !== 'SERVING') fail('Health/Check is not SERVING');
  health.close();
}

(async () => {
  const address = process.argv[2];
  for (const version of ['v1alpha', 'v1']) await checkVersion(address, version);
  console.log('PASS');
  process.exit(0);
})().catch((error) => fail(error && error.stack ? error.stack : String(error)));
