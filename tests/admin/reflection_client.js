// What a grpcurl user gets: with no copy of admin.proto, list memgate's admin
// services through server reflection, then call GetServerInfo and
// ListListeners using only the descriptors reflection returned.
// usage: node reflection_client.js ADMIN_ADDRESS   (run from a directory whose
// node_modules holds grpc-js-reflection-client and @grpc/grpc-js)
'use strict';

const path = require('path');
const modules = path.join(process.cwd(), 'node_modules');
const grpc = require(path.join(modules, '@grpc/grpc-js'));
const { GrpcReflection } = require(path.join(modules, 'grpc-js-reflection-client'));

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

(async () => {
  const address = process.argv[2];
  const reflection = new GrpcReflection(address, grpc.credentials.createInsecure());
  const services = await reflection.listServices();
  console.log(`services: ${services.join(', ')}`);
  for (const want of ['memgate.admin.v1.AdminService', 'grpc.health.v1.Health']) {
    if (!services.includes(want)) fail(`reflection does not list ${want}`);
  }

  const descriptor = await reflection.getDescriptorBySymbol('memgate.admin.v1.AdminService');
  const pkg = descriptor.getPackageObject({ keepCase: true, enums: String, longs: String });
  const AdminService = pkg.memgate.admin.v1.AdminService;
  if (typeof AdminService !== 'function') fail('no AdminService in the reflected descriptors');
  const client = new AdminService(address, grpc.credentials.createInsecure());

  const info = await call(client, 'GetServerInfo', {});
  console.log(`GetServerInfo: version ${info.version}, backend ${info.backend}, threads ${info.threads}`);
  if (!info.version || info.backend !== 'memory') fail(`unexpected ServerInfo ${JSON.stringify(info)}`);

  const listeners = await call(client, 'ListListeners', {});
  const ids = listeners.listeners.map((l) => `${l.id}=${l.bound_address} ${l.state}`);
  console.log(`ListListeners: ${ids.join(', ')}`);
  if (!listeners.listeners.some((l) => l.id === 'l1' && l.state === 'ACCEPTING')) {
    fail('listener l1 missing from ListListeners');
  }

  try {
    await call(client, 'GetListener', { name: 'listeners/missing' });
    fail('GetListener of a missing listener succeeded');
  } catch (error) {
    if (error.code !== grpc.status.NOT_FOUND) fail(`GetListener: want NOT_FOUND, got ${error.code}`);
  }
  client.close();
  console.log('PASS');
  process.exit(0);
})().catch((error) => fail(error && error.stack ? error.stack : String(error)));
