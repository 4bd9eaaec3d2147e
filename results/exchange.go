package results

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Text renders the exchange for a report, request lines prefixed "> "
// and response lines "< ", headers sorted: the redacting transport's own
// rendering.
func (e Exchange) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", e.Method, e.URL)
	writeHeaders(&b, "> ", e.RequestHeaders)
	if e.RequestBody != "" {
		fmt.Fprintf(&b, "> %s\n", e.RequestBody)
	}
	if e.Error != "" {
		fmt.Fprintf(&b, "< error: %s\n", e.Error)
		return b.String()
	}
	fmt.Fprintf(&b, "< %d %s (%s)\n", e.Status, http.StatusText(e.Status), time.Duration(e.DurationNS).Round(time.Microsecond))
	writeHeaders(&b, "< ", e.ResponseHeaders)
	if e.ResponseBody != "" {
		fmt.Fprintf(&b, "< %s\n", e.ResponseBody)
	}
	return b.String()
}

func writeHeaders(b *strings.Builder, prefix string, h map[string][]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %q\n", prefix, k, v)
		}
	}
}
