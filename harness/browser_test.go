package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vaultcheck/vaultcheck/results"
)

// findChromium returns a Chromium or Chrome binary, or "" when there is
// none ($VAULTCHECK_CHROMIUM first).
func findChromium() string {
	if p := os.Getenv("VAULTCHECK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is an HTML report open in headless Chromium, with every console
// error, log error, uncaught exception and request that leaves the file
// recorded.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	errors   []string
	requests []string
}

func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == "error" || e.Type == "warning" || e.Type == "assert" {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			b.errors = append(b.errors, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(parts, " ")))
		}
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, fmt.Sprintf("exception: %s %s", e.ExceptionDetails.Text, e.ExceptionDetails.Exception.Description))
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == "error" || e.Entry.Level == "warning" {
			b.errors = append(b.errors, fmt.Sprintf("log %s: %s", e.Entry.Level, e.Entry.Text))
		}
	case *network.EventRequestWillBeSent:
		if !strings.HasPrefix(e.Request.URL, "file://") {
			b.requests = append(b.requests, e.Request.URL)
		}
	}
}

// openInChromium opens the HTML file at path in headless Chromium, with
// the flags this machine's closed network needs and a fresh profile.
func openInChromium(t *testing.T, path string) *browser {
	t.Helper()
	exe := findChromium()
	if exe == "" {
		t.Skip("no Chromium found (apt-get install -y chromium, or set VAULTCHECK_CHROMIUM): the HTML report is not checked in a browser")
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	b := &browser{}
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b.ctx = ctx
	// The first call starts the browser and must not have a deadline.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("Chromium (%s) does not start: %v", exe, err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	b.do(t, chromedp.Navigate("file://"+abs), chromedp.WaitReady(chromedp.CSS("#scenarios")))
	return b
}

// do runs actions with a deadline.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// shown is the number of scenarios the filters leave visible, as the page
// counts them and as the DOM shows them. checkVisibility, not offsetParent:
// Chromium hides the content of a closed <details> with content-visibility,
// which leaves offsetParent set.
func (b *browser) shown(t *testing.T) (text string, visible int) {
	text = eval[string](t, b, `document.getElementById("shown").textContent`)
	visible = eval[int](t, b, `Array.from(document.querySelectorAll("details.scenario")).filter(e => e.checkVisibility()).length`)
	return text, visible
}

// choose selects value in a <select> as a user does.
func (b *browser) choose(t *testing.T, id, value string) {
	t.Helper()
	eval[bool](t, b, fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change")); return true })()`, id, value))
}

func (b *browser) clean(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		t.Errorf("console errors: %q", b.errors)
	}
	if len(b.requests) > 0 {
		t.Errorf("the report made network requests: %q", b.requests)
	}
}

func TestHTMLReportInChromium(t *testing.T) {
	r := theRealRun(t)
	b := openInChromium(t, filepath.Join(r.dir, reportFiles["html"]))

	// The counts are results.json's.
	for _, s := range results.Statuses {
		got := eval[string](t, b, fmt.Sprintf(`document.getElementById("count-%s").textContent`, s))
		if want := fmt.Sprint(r.doc.Totals.Scenarios[s]); got != want {
			t.Errorf("count of %s scenarios %s, want %s as in results.json", s, got, want)
		}
	}
	steps := eval[int](t, b, `Number(document.getElementById("count-steps").textContent)`)
	scenarios := eval[int](t, b, `document.querySelectorAll("details.scenario").length`)
	if steps != results.Total(r.doc.Totals.Steps) || scenarios != len(r.doc.Scenarios) {
		t.Errorf("%d steps and %d scenarios on the page, want %d and %d", steps, scenarios, results.Total(r.doc.Totals.Steps), len(r.doc.Scenarios))
	}

	// The failure: open, its failing step's exchange shown; closing and
	// opening it again by a click shows the exchange again.
	const failed = `document.querySelector("details.scenario.s-failed")`
	const exchange = failed + `.querySelector("li.step.s-failed pre.exchange")`
	open := eval[bool](t, b, failed+`.open`)
	visible := eval[bool](t, b, exchange+`.checkVisibility()`)
	if !open || !visible {
		t.Fatalf("the failed scenario is open %v, its exchange visible %v; want both", open, visible)
	}
	b.do(t, chromedp.Click(chromedp.CSS(`details.scenario.s-failed > summary`)))
	if eval[bool](t, b, exchange+`.checkVisibility()`) {
		t.Fatal("the exchange stays visible after the scenario is closed")
	}
	b.do(t, chromedp.Click(chromedp.CSS(`details.scenario.s-failed > summary`)))
	visible = eval[bool](t, b, exchange+`.checkVisibility()`)
	text := eval[string](t, b, exchange+`.textContent`)
	if !visible || !strings.Contains(text, "> GET http://127.0.0.1:") || !strings.Contains(text, "< 200 OK") {
		t.Fatalf("after a click the exchange is visible %v with %q, want the no-token GET answered 200", visible, text)
	}
	msg := eval[string](t, b, failed+`.querySelector("li.step.s-failed pre.message").textContent`)
	if !strings.Contains(msg, "want refused") {
		t.Errorf("the failing step's message is %q", msg)
	}

	// Filters: by status, by tag, by text.
	total := len(r.doc.Scenarios)
	b.do(t, chromedp.Click(chromedp.CSS(`#filter-status input[value="passed"]`)))
	if text, vis := b.shown(t); vis != total-r.doc.Totals.Scenarios[results.Passed] || text != fmt.Sprintf("%d shown", vis) {
		t.Errorf("without passed: %q, %d visible; want %d", text, vis, total-r.doc.Totals.Scenarios[results.Passed])
	}
	b.do(t, chromedp.Click(chromedp.CSS(`#filter-status input[value="passed"]`)))
	smoke := 0
	for _, sc := range r.doc.Scenarios {
		for _, tg := range sc.Tags {
			if tg == "@smoke" {
				smoke++
			}
		}
	}
	b.choose(t, "filter-tag", "@smoke")
	if _, vis := b.shown(t); smoke == 0 || vis != smoke {
		t.Errorf("tag @smoke: %d visible, want %d", vis, smoke)
	}
	b.choose(t, "filter-tag", "")
	b.do(t, chromedp.SendKeys(chromedp.CSS(`#filter-text`), "sharing.hcl"))
	if _, vis := b.shown(t); vis != 4 {
		t.Errorf("text sharing.hcl: %d visible, want the 4 HCL scenarios", vis)
	}
	b.clean(t)
}

// TestHTMLRequirementFilter renders the run with requirement tags on two
// scenarios (the suite's own tags come with the requirements work) and
// filters by one of them.
func TestHTMLRequirementFilter(t *testing.T) {
	r := theRealRun(t)
	doc := *r.doc
	doc.Scenarios = append([]results.Scenario(nil), r.doc.Scenarios...)
	doc.Scenarios[0].Requirements = []results.ReqRef{{ID: "ACCESS-TOKEN-01"}}
	doc.Scenarios[2].Requirements = []results.ReqRef{{ID: "ACCESS-TOKEN-01", Negative: true}, {ID: "SHARE-READ-02"}}
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := results.WriteHTML(f, &doc); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b := openInChromium(t, path)
	for req, want := range map[string]int{"ACCESS-TOKEN-01": 2, "SHARE-READ-02": 1, "": len(doc.Scenarios)} {
		b.choose(t, "filter-req", req)
		if _, vis := b.shown(t); vis != want {
			t.Errorf("requirement %q: %d visible, want %d", req, vis, want)
		}
	}
	b.clean(t)
}
