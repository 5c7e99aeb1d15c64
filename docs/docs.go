// Package docs holds the documentation pages the servers show to their
// users as they are in the repository: docs/REPORTS.md, the definitions of
// every report figure, which the manager dashboard links each figure to.
package docs

import _ "embed"

// Reports is docs/REPORTS.md.
//
//go:embed REPORTS.md
var Reports string
