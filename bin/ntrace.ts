#!/usr/bin/env node
/** The installed `ntrace` command: see main.ts. */
import { main } from "./main.js";

await main(process.argv);
