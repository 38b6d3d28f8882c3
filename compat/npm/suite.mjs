// The client-library compatibility suite: each case makes one kind of call
// (plain, streaming, tool call, structured output, embeddings) with one real
// library, unmodified, as a workload run by the runner. Run through
// `go test ./compat/npm/`, which writes the table of docs/clients.md.
//
//   node suite.mjs --list        the cases, as JSON
//   node suite.mjs               the cases of the API in COMPAT_API, each in
//                                its own phase "<library> <kind>"
//
// Retries are off (maxRetries: 0) so that a call that cannot connect fails
// at once instead of backing off for minutes; nothing else is configured.
//
// COMPAT_MODE=line builds the client with the line shown in the table (for
// libraries that read no variable); COMPAT_RESULTS names a file that gets one
// JSON line per case; COMPAT_CONTROL is where the test hears which case
// runs, so that its upstream can attribute what it answers.
import { appendFileSync } from 'node:fs';
import { z } from 'zod';

const env = process.env;
const MODELS = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  gemini: 'gemini-2.5-flash',
  ollama: 'llama3.2',
};
const EMBED = { openai: 'text-embedding-3-small', gemini: 'gemini-embedding-001', ollama: 'nomic-embed-text' };
const PROMPT = 'In one sentence: why do cyclists train in zones?';
const TOOL_PROMPT = 'What is the weather in Lyon? Use the tool.';
const weather = ({ city }) => ({ city, celsius: 21, sky: 'clear' });
const citySchema = z.object({ city: z.string().describe('the city') });
const answerSchema = z.object({ title: z.string(), minutes: z.number() });
const citySchemaJSON = {
  type: 'object',
  properties: { city: { type: 'string', description: 'the city' } },
  required: ['city'],
  additionalProperties: false,
};
const answerSchemaJSON = {
  type: 'object',
  properties: { title: { type: 'string' }, minutes: { type: 'number' } },
  required: ['title', 'minutes'],
  additionalProperties: false,
};

const need = (cond, what) => {
  if (!cond) throw new Error(what);
};
const isAnswer = (o) => need(o && typeof o.title === 'string' && typeof o.minutes === 'number', 'structured output does not match the schema: ' + JSON.stringify(o));
const drain = async (it) => {
  let n = 0;
  for await (const _ of it) n++;
  need(n > 0, 'the stream was empty');
};

// ---------------------------------------------------------------- openai
async function openaiClient() {
  const { default: OpenAI } = await import('openai');
  return new OpenAI({ maxRetries: 0 });
}
const openaiTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'current weather of a city', parameters: citySchemaJSON },
};

// ---------------------------------------------------------------- anthropic
async function anthropicClient() {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  return new Anthropic({ maxRetries: 0 });
}
const anthropicTool = { name: 'get_weather', description: 'current weather of a city', input_schema: citySchemaJSON };

// ---------------------------------------------------------------- gemini
async function genai(line) {
  const { GoogleGenAI } = await import('@google/genai');
  return line ? new GoogleGenAI({ httpOptions: { baseUrl: env.GOOGLE_GEMINI_BASE_URL } }) : new GoogleGenAI({});
}

// ---------------------------------------------------------------- ollama
async function ollamaClient(line) {
  const m = await import('ollama');
  return line ? new m.Ollama({ host: env.OLLAMA_HOST }) : m.default;
}
const ollamaTool = openaiTool;

// ---------------------------------------------------------------- AI SDK
async function aisdk(api, line) {
  switch (api) {
    case 'openai': {
      const { openai } = await import('@ai-sdk/openai');
      return openai;
    }
    case 'anthropic': {
      const { anthropic, createAnthropic } = await import('@ai-sdk/anthropic');
      return line ? createAnthropic({ baseURL: env.ANTHROPIC_BASE_URL + '/v1' }) : anthropic;
    }
    case 'gemini': {
      const { google, createGoogleGenerativeAI } = await import('@ai-sdk/google');
      return line ? createGoogleGenerativeAI({ baseURL: env.GOOGLE_GEMINI_BASE_URL + '/v1beta' }) : google;
    }
    case 'ollama': {
      const { ollama, createOllama } = await import('ollama-ai-provider-v2');
      return line ? createOllama({ baseURL: env.OLLAMA_HOST + '/api' }) : ollama;
    }
  }
}
const aisdkLib = {
  openai: '@ai-sdk/openai',
  anthropic: '@ai-sdk/anthropic',
  gemini: '@ai-sdk/google',
  ollama: 'ollama-ai-provider-v2',
};
const aisdkLine = {
  anthropic: "createAnthropic({ baseURL: process.env.ANTHROPIC_BASE_URL + '/v1' })",
  gemini: "createGoogleGenerativeAI({ baseURL: process.env.GOOGLE_GEMINI_BASE_URL + '/v1beta' })",
  ollama: "createOllama({ baseURL: process.env.OLLAMA_HOST + '/api' })",
};

// ---------------------------------------------------------------- LangChain
async function langchain(api, line) {
  const model = MODELS[api];
  switch (api) {
    case 'openai': {
      const { ChatOpenAI } = await import('@langchain/openai');
      return new ChatOpenAI({ model, maxRetries: 0 });
    }
    case 'anthropic': {
      const { ChatAnthropic } = await import('@langchain/anthropic');
      return new ChatAnthropic({ model, maxRetries: 0 });
    }
    case 'gemini': {
      const { ChatGoogleGenerativeAI } = await import('@langchain/google-genai');
      return new ChatGoogleGenerativeAI(line ? { model, maxRetries: 0, baseUrl: env.GOOGLE_GEMINI_BASE_URL } : { model, maxRetries: 0 });
    }
    case 'ollama': {
      const { ChatOllama } = await import('@langchain/ollama');
      return new ChatOllama(line ? { model, maxRetries: 0, baseUrl: env.OLLAMA_HOST } : { model, maxRetries: 0 });
    }
  }
}
async function langchainEmbeddings(api, line) {
  const model = EMBED[api];
  switch (api) {
    case 'openai': {
      const { OpenAIEmbeddings } = await import('@langchain/openai');
      return new OpenAIEmbeddings({ model, maxRetries: 0 });
    }
    case 'gemini': {
      const { GoogleGenerativeAIEmbeddings } = await import('@langchain/google-genai');
      return new GoogleGenerativeAIEmbeddings(line ? { model, maxRetries: 0, baseUrl: env.GOOGLE_GEMINI_BASE_URL } : { model, maxRetries: 0 });
    }
    case 'ollama': {
      const { OllamaEmbeddings } = await import('@langchain/ollama');
      return new OllamaEmbeddings(line ? { model, maxRetries: 0, baseUrl: env.OLLAMA_HOST } : { model, maxRetries: 0 });
    }
  }
}
const langchainLib = {
  openai: '@langchain/openai',
  anthropic: '@langchain/anthropic',
  gemini: '@langchain/google-genai',
  ollama: '@langchain/ollama',
};
const langchainLine = {
  gemini: 'new ChatGoogleGenerativeAI({ model, baseUrl: process.env.GOOGLE_GEMINI_BASE_URL })',
  ollama: 'new ChatOllama({ model, baseUrl: process.env.OLLAMA_HOST })',
};

// ---------------------------------------------------------------- the cases
const cases = [];
const add = (api, lib, kind, run, line) => cases.push({ api, lib, kind, run, line });

// openai
add('openai', 'openai', 'plain', async () => {
  const c = await openaiClient();
  const r = await c.chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: PROMPT }] });
  need(r.choices[0].message.content, 'no text');
});
add('openai', 'openai', 'streaming', async () => {
  const c = await openaiClient();
  await drain(await c.chat.completions.create({ model: MODELS.openai, stream: true, messages: [{ role: 'user', content: PROMPT }] }));
});
add('openai', 'openai', 'tool call', async () => {
  const c = await openaiClient();
  const messages = [{ role: 'user', content: TOOL_PROMPT }];
  const r = await c.chat.completions.create({ model: MODELS.openai, messages, tools: [openaiTool] });
  const call = r.choices[0].message.tool_calls?.[0];
  need(call, 'the model called no tool');
  messages.push(r.choices[0].message, { role: 'tool', tool_call_id: call.id, content: JSON.stringify(weather(JSON.parse(call.function.arguments))) });
  const r2 = await c.chat.completions.create({ model: MODELS.openai, messages, tools: [openaiTool] });
  need(r2.choices[0].message.content, 'no text after the tool result');
});
add('openai', 'openai', 'structured output', async () => {
  const c = await openaiClient();
  const r = await c.chat.completions.create({
    model: MODELS.openai,
    messages: [{ role: 'user', content: 'Plan a ride: title and minutes.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'ride', schema: answerSchemaJSON, strict: true } },
  });
  isAnswer(JSON.parse(r.choices[0].message.content));
});
add('openai', 'openai', 'embeddings', async () => {
  const c = await openaiClient();
  const r = await c.embeddings.create({ model: EMBED.openai, input: 'zone two' });
  need(r.data[0].embedding.length > 0, 'no vector');
});

// anthropic
add('anthropic', '@anthropic-ai/sdk', 'plain', async () => {
  const c = await anthropicClient();
  const r = await c.messages.create({ model: MODELS.anthropic, max_tokens: 256, messages: [{ role: 'user', content: PROMPT }] });
  need(r.content[0].text, 'no text');
});
add('anthropic', '@anthropic-ai/sdk', 'streaming', async () => {
  const c = await anthropicClient();
  await drain(await c.messages.create({ model: MODELS.anthropic, max_tokens: 256, stream: true, messages: [{ role: 'user', content: PROMPT }] }));
});
add('anthropic', '@anthropic-ai/sdk', 'tool call', async () => {
  const c = await anthropicClient();
  const messages = [{ role: 'user', content: TOOL_PROMPT }];
  const r = await c.messages.create({ model: MODELS.anthropic, max_tokens: 256, messages, tools: [anthropicTool] });
  const use = r.content.find((b) => b.type === 'tool_use');
  need(use, 'the model called no tool');
  messages.push({ role: 'assistant', content: r.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(weather(use.input)) }] });
  const r2 = await c.messages.create({ model: MODELS.anthropic, max_tokens: 256, messages, tools: [anthropicTool] });
  need(r2.content.some((b) => b.type === 'text'), 'no text after the tool result');
});
add('anthropic', '@anthropic-ai/sdk', 'structured output', async () => {
  const c = await anthropicClient();
  const r = await c.messages.create({
    model: MODELS.anthropic,
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Plan a ride: title and minutes.' }],
    tools: [{ name: 'ride', description: 'the planned ride', input_schema: answerSchemaJSON }],
    tool_choice: { type: 'tool', name: 'ride' },
  });
  isAnswer(r.content.find((b) => b.type === 'tool_use')?.input);
});

// gemini
const genaiLine = 'new GoogleGenAI({ httpOptions: { baseUrl: process.env.GOOGLE_GEMINI_BASE_URL } })';
add('gemini', '@google/genai', 'plain', async (line) => {
  const ai = await genai(line);
  const r = await ai.models.generateContent({ model: MODELS.gemini, contents: PROMPT });
  need(r.text, 'no text');
}, genaiLine);
add('gemini', '@google/genai', 'streaming', async (line) => {
  const ai = await genai(line);
  await drain(await ai.models.generateContentStream({ model: MODELS.gemini, contents: PROMPT }));
}, genaiLine);
add('gemini', '@google/genai', 'tool call', async (line) => {
  const ai = await genai(line);
  const tools = [{ functionDeclarations: [{ name: 'get_weather', description: 'current weather of a city', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } }] }];
  const contents = [{ role: 'user', parts: [{ text: TOOL_PROMPT }] }];
  const r = await ai.models.generateContent({ model: MODELS.gemini, contents, config: { tools } });
  const call = r.functionCalls?.[0];
  need(call, 'the model called no tool');
  contents.push(r.candidates[0].content, { role: 'user', parts: [{ functionResponse: { name: call.name, response: weather(call.args) } }] });
  const r2 = await ai.models.generateContent({ model: MODELS.gemini, contents, config: { tools } });
  need(r2.text, 'no text after the tool result');
}, genaiLine);
add('gemini', '@google/genai', 'structured output', async (line) => {
  const ai = await genai(line);
  const r = await ai.models.generateContent({
    model: MODELS.gemini,
    contents: 'Plan a ride: title and minutes.',
    config: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { title: { type: 'STRING' }, minutes: { type: 'NUMBER' } }, required: ['title', 'minutes'] } },
  });
  isAnswer(JSON.parse(r.text));
}, genaiLine);
add('gemini', '@google/genai', 'embeddings', async (line) => {
  const ai = await genai(line);
  const r = await ai.models.embedContent({ model: EMBED.gemini, contents: 'zone two' });
  need(r.embeddings[0].values.length > 0, 'no vector');
}, genaiLine);

// ollama
const ollamaLine = 'new Ollama({ host: process.env.OLLAMA_HOST })';
add('ollama', 'ollama', 'plain', async (line) => {
  const c = await ollamaClient(line);
  const r = await c.chat({ model: MODELS.ollama, messages: [{ role: 'user', content: PROMPT }] });
  need(r.message.content, 'no text');
}, ollamaLine);
add('ollama', 'ollama', 'streaming', async (line) => {
  const c = await ollamaClient(line);
  await drain(await c.chat({ model: MODELS.ollama, stream: true, messages: [{ role: 'user', content: PROMPT }] }));
}, ollamaLine);
add('ollama', 'ollama', 'tool call', async (line) => {
  const c = await ollamaClient(line);
  const messages = [{ role: 'user', content: TOOL_PROMPT }];
  const r = await c.chat({ model: MODELS.ollama, messages, tools: [ollamaTool] });
  const call = r.message.tool_calls?.[0];
  need(call, 'the model called no tool');
  messages.push(r.message, { role: 'tool', content: JSON.stringify(weather(call.function.arguments)) });
  const r2 = await c.chat({ model: MODELS.ollama, messages, tools: [ollamaTool] });
  need(r2.message.content, 'no text after the tool result');
}, ollamaLine);
add('ollama', 'ollama', 'structured output', async (line) => {
  const c = await ollamaClient(line);
  const r = await c.chat({ model: MODELS.ollama, messages: [{ role: 'user', content: 'Plan a ride: title and minutes.' }], format: answerSchemaJSON });
  isAnswer(JSON.parse(r.message.content));
}, ollamaLine);
add('ollama', 'ollama', 'embeddings', async (line) => {
  const c = await ollamaClient(line);
  const r = await c.embed({ model: EMBED.ollama, input: 'zone two' });
  need(r.embeddings[0].length > 0, 'no vector');
}, ollamaLine);

// Vercel AI SDK, one provider per API
for (const api of ['openai', 'anthropic', 'gemini', 'ollama']) {
  const lib = aisdkLib[api];
  const line = aisdkLine[api];
  add(api, lib, 'plain', async (l) => {
    const { generateText } = await import('ai');
    const p = await aisdk(api, l);
    const r = await generateText({ model: p(MODELS[api]), prompt: PROMPT, maxRetries: 0 });
    need(r.text, 'no text');
  }, line);
  add(api, lib, 'streaming', async (l) => {
    const { streamText } = await import('ai');
    const p = await aisdk(api, l);
    let err;
    const r = streamText({ model: p(MODELS[api]), prompt: PROMPT, maxRetries: 0, onError: ({ error }) => { err = error; } });
    await drain(r.textStream);
    if (err) throw err;
  }, line);
  add(api, lib, 'tool call', async (l) => {
    const { generateText, tool, stepCountIs } = await import('ai');
    const p = await aisdk(api, l);
    let called = false;
    const get_weather = tool({ description: 'current weather of a city', inputSchema: citySchema, execute: async (a) => { called = true; return weather(a); } });
    const r = await generateText({ model: p(MODELS[api]), prompt: TOOL_PROMPT, tools: { get_weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    need(called, 'the model called no tool');
    need(r.text, 'no text after the tool result');
  }, line);
  add(api, lib, 'structured output', async (l) => {
    const { generateObject } = await import('ai');
    const p = await aisdk(api, l);
    const r = await generateObject({ model: p(MODELS[api]), schema: answerSchema, prompt: 'Plan a ride: title and minutes.', maxRetries: 0 });
    isAnswer(r.object);
  }, line);
  if (api !== 'anthropic') {
    add(api, lib, 'embeddings', async (l) => {
      const { embed } = await import('ai');
      const p = await aisdk(api, l);
      const r = await embed({ model: p.embedding(EMBED[api]), value: 'zone two', maxRetries: 0 });
      need(r.embedding.length > 0, 'no vector');
    }, line);
  }
}

// LangChain, one package per API
for (const api of ['openai', 'anthropic', 'gemini', 'ollama']) {
  const lib = langchainLib[api];
  const line = langchainLine[api];
  add(api, lib, 'plain', async (l) => {
    const m = await langchain(api, l);
    const r = await m.invoke(PROMPT);
    need(r.content, 'no text');
  }, line);
  add(api, lib, 'streaming', async (l) => {
    const m = await langchain(api, l);
    await drain(await m.stream(PROMPT));
  }, line);
  add(api, lib, 'tool call', async (l) => {
    const { tool } = await import('@langchain/core/tools');
    const { HumanMessage, ToolMessage } = await import('@langchain/core/messages');
    const get_weather = tool(async (a) => JSON.stringify(weather(a)), { name: 'get_weather', description: 'current weather of a city', schema: citySchema });
    const m = (await langchain(api, l)).bindTools([get_weather]);
    const messages = [new HumanMessage(TOOL_PROMPT)];
    const r = await m.invoke(messages);
    const call = r.tool_calls?.[0];
    need(call, 'the model called no tool');
    messages.push(r, new ToolMessage({ tool_call_id: call.id ?? 'call', content: await get_weather.invoke(call.args) }));
    const r2 = await m.invoke(messages);
    need(r2.content, 'no text after the tool result');
  }, line);
  add(api, lib, 'structured output', async (l) => {
    const m = await langchain(api, l);
    isAnswer(await m.withStructuredOutput(answerSchema).invoke('Plan a ride: title and minutes.'));
  }, line);
  if (api !== 'anthropic') {
    add(api, lib, 'embeddings', async (l) => {
      const e = await langchainEmbeddings(api, l);
      need((await e.embedQuery('zone two')).length > 0, 'no vector');
    }, line);
  }
}

// OpenAI Agents SDK (Responses API)
const agents = async () => import('@openai/agents');
add('openai', '@openai/agents', 'plain', async () => {
  const { Agent, run } = await agents();
  const r = await run(new Agent({ name: 'coach', instructions: 'Be brief.', model: MODELS.openai }), PROMPT);
  need(r.finalOutput, 'no output');
});
add('openai', '@openai/agents', 'streaming', async () => {
  const { Agent, run } = await agents();
  const r = await run(new Agent({ name: 'coach', instructions: 'Be brief.', model: MODELS.openai }), PROMPT, { stream: true });
  await drain(r.toTextStream());
  await r.completed;
  need(r.finalOutput, 'no output');
});
add('openai', '@openai/agents', 'tool call', async () => {
  const { Agent, run, tool } = await agents();
  let called = false;
  const get_weather = tool({ name: 'get_weather', description: 'current weather of a city', parameters: citySchema, execute: async (a) => { called = true; return JSON.stringify(weather(a)); } });
  const r = await run(new Agent({ name: 'coach', instructions: 'Use the tool.', model: MODELS.openai, tools: [get_weather] }), TOOL_PROMPT);
  need(called, 'the model called no tool');
  need(r.finalOutput, 'no output');
});
add('openai', '@openai/agents', 'structured output', async () => {
  const { Agent, run } = await agents();
  const r = await run(new Agent({ name: 'coach', instructions: 'Plan.', model: MODELS.openai, outputType: answerSchema }), 'Plan a ride: title and minutes.');
  isAnswer(r.finalOutput);
});

// ---------------------------------------------------------------- main
const phaseOf = (c) => `${c.lib} ${c.kind}`;

if (process.argv[2] === '--list') {
  console.log(JSON.stringify(cases.map((c) => ({ api: c.api, lib: c.lib, kind: c.kind, phase: phaseOf(c), line: c.line ?? '' }))));
  process.exit(0);
}

const line = env.COMPAT_MODE === 'line';
const only = env.COMPAT_ONLY ? new RegExp(env.COMPAT_ONLY) : null;
for (const c of cases) {
  if (c.api !== env.COMPAT_API || (only && !only.test(phaseOf(c)))) continue;
  if (line && !c.line) continue;
  const phase = phaseOf(c);
  await fetch(env.COMPAT_CONTROL + '/case', { method: 'POST', body: phase, headers: { 'x-compat-api': env.COMPAT_API } });
  console.log('::runner::' + JSON.stringify({ event: 'phase_start', phase }));
  let error = '';
  try {
    let timer;
    await Promise.race([
      c.run(line),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer within 60 s')), 60000); }),
    ]).finally(() => clearTimeout(timer));
  } catch (e) {
    error = String(e?.message ?? e).split('\n')[0].slice(0, 300);
    console.log(`${phase}: ${error}`);
  }
  console.log('::runner::' + JSON.stringify({ event: 'phase_end', phase }));
  if (env.COMPAT_RESULTS) appendFileSync(env.COMPAT_RESULTS, JSON.stringify({ phase, ok: !error, error }) + '\n');
}
await fetch(env.COMPAT_CONTROL + '/case', { method: 'POST', body: '', headers: { 'x-compat-api': env.COMPAT_API } });
