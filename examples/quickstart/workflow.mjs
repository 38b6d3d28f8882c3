// A two-phase workflow to benchmark: summarise some notes, then write a title.
//
// It calls an OpenAI-style chat API with Node's fetch (Node 18+), at the URL
// in OPENAI_BASE_URL (the runner points it at its metering proxy), and
// reports its phases with ::runner:: lines. Run it alone too: node workflow.mjs
import { readFileSync } from "node:fs";

const baseURL = process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1";
const model = process.env.RUNNER_MODEL || "gpt-4o-mini";

// process.stdout.write to a pipe is not buffered by Node: lines arrive on time.
const event = (fields) => process.stdout.write("::runner::" + JSON.stringify(fields) + "\n");

async function chat(prompt) {
  const headers = { "Content-Type": "application/json" };
  if (process.env.OPENAI_API_KEY) headers.Authorization = `Bearer ${process.env.OPENAI_API_KEY}`;
  const resp = await fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ model, messages: [{ role: "user", content: prompt }], max_tokens: 200 }),
  });
  if (!resp.ok) throw new Error(`HTTP ${resp.status}: ${await resp.text()}`);
  return (await resp.json()).choices[0].message.content;
}

const notes = readFileSync(process.argv[2] ?? new URL("notes.txt", import.meta.url), "utf8");

event({ event: "phase_start", phase: "Summarise" });
const summary = await chat(`Summarise these notes in three sentences:\n\n${notes}`);

event({ event: "phase_start", phase: "Title" }); // a phase_start ends the open phase
const title = await chat(`Write a five-word title for this summary:\n\n${summary}`);
event({ event: "phase_end", phase: "Title" });

console.log(title.trim().slice(0, 80));
event({ event: "metric", name: "summary_words", value: summary.split(/\s+/).length });
