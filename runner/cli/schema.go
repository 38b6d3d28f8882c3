package cli

import (
	"context"

	"github.com/runner-bench/runner/runner/spec"
)

// schemaCmd prints the JSON Schema of the spec, generated from its Go types.
func schemaCmd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "schema", "", "Print the JSON Schema (draft 2020-12) of the spec, for editor completion:\n"+
		"  runner schema > runner.schema.json\n"+
		"then start a spec with: # yaml-language-server: $schema=runner.schema.json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fs.Usage()
		return usageErrorf("schema takes no arguments")
	}
	_, err = e.stdout.Write(spec.SchemaJSON())
	return err
}
