// Package tmplwalk walks a text/template parse tree the way execution
// moves dot, in every branch: what spec (a command template's names, on
// map-shaped data) and output (a report template's names, on Go types)
// check before anything renders.
package tmplwalk

import "text/template/parse"

// Walk visits every pipeline of list and of every branch under it, with the
// dot it runs under: pipe is called with each {{ }}'s pipeline (of an
// action, if, with, range or template) and returns what the pipeline's
// value would be as a dot; a {{ with }} body runs under that, a {{ range }}
// body under elem of it, every other list under the dot it is in.
func Walk[D any](list *parse.ListNode, dot D, pipe func(p *parse.PipeNode, dot D) D, elem func(D) D) {
	if list == nil {
		return
	}
	for _, n := range list.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			pipe(n.Pipe, dot)
		case *parse.IfNode:
			pipe(n.Pipe, dot)
			Walk(n.List, dot, pipe, elem)
			Walk(n.ElseList, dot, pipe, elem)
		case *parse.WithNode:
			Walk(n.List, pipe(n.Pipe, dot), pipe, elem)
			Walk(n.ElseList, dot, pipe, elem)
		case *parse.RangeNode:
			Walk(n.List, elem(pipe(n.Pipe, dot)), pipe, elem)
			Walk(n.ElseList, dot, pipe, elem)
		case *parse.TemplateNode:
			if n.Pipe != nil {
				pipe(n.Pipe, dot)
			}
		}
	}
}
