// GNU ld (binutils 2.40) writes time(NULL) into the Signature field of a PDB's info stream
// (stream 1), so two links of the same objects give different PDBs. Only the CodeView GUID
// and age identify a PDB (the RSDS record in the image); the Signature is informational. This
// script replaces it with the first dword of the PDB's GUID so the build is reproducible.
//
//   node samples/tools/fix-pdb-signature.mjs file.pdb
//
// MSF 7.00 layout used: superblock (BlockSize @0x20, NumDirectoryBytes @0x2C, BlockMapAddr
// @0x34); the block map lists the directory's blocks; the directory is NumStreams, the stream
// sizes, then each stream's block list. Stream 1 starts with Version, Signature, Age, GUID.
/* global console, process, Buffer */
import { readFileSync, writeFileSync } from 'node:fs';

const path = process.argv[2];
if (!path) {
  console.error('usage: fix-pdb-signature.mjs <file.pdb>');
  process.exit(2);
}
const pdb = readFileSync(path);
const magic = 'Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0';
if (pdb.subarray(0, 32).toString('latin1') !== magic) {
  console.error(`${path}: not an MSF 7.00 PDB`);
  process.exit(1);
}
const blockSize = pdb.readUInt32LE(0x20);
const directoryBytes = pdb.readUInt32LE(0x2c);
const blockMapAddr = pdb.readUInt32LE(0x34);
const directoryBlockCount = Math.ceil(directoryBytes / blockSize);
const directory = Buffer.alloc(directoryBlockCount * blockSize);
for (let i = 0; i < directoryBlockCount; i++) {
  const block = pdb.readUInt32LE(blockMapAddr * blockSize + 4 * i);
  pdb.copy(directory, i * blockSize, block * blockSize, (block + 1) * blockSize);
}
const streamCount = directory.readUInt32LE(0);
if (streamCount < 2) {
  console.error(`${path}: no PDB info stream`);
  process.exit(1);
}
const sizes = [];
for (let i = 0; i < streamCount; i++) sizes.push(directory.readUInt32LE(4 + 4 * i));
let cursor = 4 + 4 * streamCount;
const blocksOf = (size) => (size === 0xffffffff ? 0 : Math.ceil(size / blockSize));
cursor += 4 * blocksOf(sizes[0]); // skip stream 0's block list
const infoFirstBlock = directory.readUInt32LE(cursor);
const info = infoFirstBlock * blockSize;
const guidFirstDword = pdb.readUInt32LE(info + 12);
pdb.writeUInt32LE(guidFirstDword, info + 4);
writeFileSync(path, pdb);
