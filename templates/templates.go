// Package templates embeds the default report template. A spec may name its
// own template file instead (report.template); it sees the same data and
// functions, documented in README.md.
package templates

import _ "embed"

// Report is the default Markdown report template.
//
//go:embed report.md.tmpl
var Report string
