// An independent check of a Kakehashi Open Badges credential: Digital Bazaar's
// eddsa-jcs-2022 implementation (the one that rejected our credentials), offline.
//
//   node verify.mjs [CONTEXTS_DIR] < credential.json
//
// prints one JSON object: {"verified": bool, "error": string|null,
// "verificationMethod": string|null, "controller": string|null, "jsonld": {...}}
// and exits 0 when verified, 1 when not, 2 on bad input. CONTEXTS_DIR defaults to
// ../shared/testdata/openbadges/contexts beside the project.
//
// Nothing is fetched: the document loader serves three context files from disk and
// builds the did:key's controller document from the DID itself; any other URL throws,
// and so does fetch().
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import jsigs from 'jsonld-signatures';
import jsonld from 'jsonld';

const {purposes: {AssertionProofPurpose}} = jsigs;

globalThis.fetch = async url => {
  throw new Error(`network access refused (offline verifier): ${url}`);
};

const here = path.dirname(fileURLToPath(import.meta.url));
const contextsDir = path.resolve(process.argv[2] ||
  path.join(here, '..', '..', '..', '..', 'shared', 'testdata', 'openbadges', 'contexts'));

// URL -> local file. data-integrity-v1.jsonld is the v1 context (it has no
// previousProof term, which v2 added).
const CONTEXT_FILES = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://w3id.org/security/data-integrity/v1': 'data-integrity-v1.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-3.0.3.json',
};
const contexts = new Map(Object.entries(CONTEXT_FILES).map(([url, file]) =>
  [url, JSON.parse(readFileSync(path.join(contextsDir, file), 'utf8'))]));

const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

// did:key:z6Mk... -> its controller document, with the one Multikey the DID encodes
// (Ed25519Multikey.from rejects anything that is not an Ed25519 public key).
async function didKeyDocument(did) {
  const multibase = did.slice('did:key:'.length);
  const key = await Ed25519Multikey.from({
    type: 'Multikey', id: `${did}#${multibase}`, controller: did,
    publicKeyMultibase: multibase,
  });
  const method = await key.export({publicKey: true, includeContext: false});
  return {
    '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
    id: did,
    verificationMethod: [method],
    assertionMethod: [method.id],
    authentication: [method.id],
  };
}

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(typeof url === 'string' && url.startsWith('did:key:')) {
    const [did, fragment] = url.split('#');
    const document = await didKeyDocument(did);
    if(fragment === undefined) {
      return {contextUrl: null, documentUrl: url, document};
    }
    const method = document.verificationMethod.find(m => m.id === url);
    if(!method) {
      throw new Error(`${url} is not a verification method of ${did}`);
    }
    return {contextUrl: null, documentUrl: url,
      document: {'@context': MULTIKEY_CONTEXT, ...method}};
  }
  throw new Error(`network access refused (offline verifier): ${url}`);
}

function message(error) {
  if(!error) {
    return null;
  }
  const errors = Array.isArray(error) ? error : error.errors || [error];
  return errors.map(e => e?.message || String(e)).join('; ');
}

// Prints the answer and sets the exit status.
async function check(credential) {
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  const result = await jsigs.verify(credential, {
    suite, purpose: new AssertionProofPurpose(), documentLoader,
  });
  const errors = (result.results || []).map(r => r.error).filter(Boolean);
  if(!errors.length && result.error) {
    errors.push(result.error);
  }
  const first = (result.results || []).find(r => r.verified) || (result.results || [])[0];

  // The contexts are not part of a JCS signature, but the credential should still read as
  // JSON-LD with them: expand it, offline, and list what the contexts leave undefined (the
  // events that JSON-LD's safe mode would turn into errors).
  let expansion;
  try {
    const dropped = [];
    await jsonld.expand(credential, {documentLoader, eventHandler: ({event}) => {
      const details = event.details || {};
      dropped.push(details.property ?? details.type ?? details.value ?? event.code);
    }});
    expansion = {ok: true, error: null, undefined: [...new Set(dropped)].sort()};
  } catch(error) {
    expansion = {ok: false, error: message(error), undefined: null};
  }

  process.stdout.write(JSON.stringify({
    verified: result.verified === true,
    error: result.verified ? null : message(errors.length ? errors : 'not verified'),
    verificationMethod: first?.verificationMethod?.id ?? null,
    controller: first?.purposeResult?.controller?.id ?? null,
    jsonld: expansion,
  }) + '\n');
  process.exitCode = result.verified ? 0 : 1;
}

let credential;
try {
  credential = JSON.parse(readFileSync(0, 'utf8'));
} catch(error) {
  process.stdout.write(JSON.stringify({verified: false,
    error: `not JSON: ${error.message}`}) + '\n');
  process.exitCode = 2;
}

if(credential !== undefined) {
  await check(credential);
}
