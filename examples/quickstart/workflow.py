"""A two-phase workflow to benchmark: summarise some notes, then write a title.

It calls an OpenAI-style chat API with the standard library only, at the URL
in OPENAI_BASE_URL (the runner points it at its metering proxy), and reports
its phases with ::runner:: lines. Run it alone too: python3 workflow.py
"""
import json
import os
import sys
import urllib.request

BASE_URL = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
MODEL = os.environ.get("RUNNER_MODEL") or "gpt-4o-mini"


def event(**fields):
    # flush=True: a pipe is block-buffered, and a late phase line would
    # measure the phase wrong.
    print("::runner::" + json.dumps(fields), flush=True)


def chat(prompt):
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": prompt}], "max_tokens": 200})
    req = urllib.request.Request(BASE_URL + "/chat/completions", data=body.encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if os.environ.get("OPENAI_API_KEY"):
        req.add_header("Authorization", "Bearer " + os.environ["OPENAI_API_KEY"])
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.load(resp)["choices"][0]["message"]["content"]


def main():
    notes = open(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "notes.txt")).read()

    event(event="phase_start", phase="Summarise")
    summary = chat("Summarise these notes in three sentences:\n\n" + notes)

    event(event="phase_start", phase="Title")  # a phase_start ends the open phase
    title = chat("Write a five-word title for this summary:\n\n" + summary)
    event(event="phase_end", phase="Title")

    print(title.strip()[:80])
    event(event="metric", name="summary_words", value=len(summary.split()))


if __name__ == "__main__":
    main()
