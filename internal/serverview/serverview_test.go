package serverview

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TestView: the view sees the log lines written since a mark and the
// stored strings of the users asked for, and nothing of other users.
func TestView(t *testing.T) {
	v := New()
	srv := httptest.NewServer(v.NewFake(fakevault.WithFaults(fakevault.FaultLogSecrets)))
	defer srv.Close()
	if _, err := srv.Client().Get(srv.URL + meeco.VaultPrefix + meeco.VMe); err != nil {
		t.Fatal(err)
	}
	mark := v.Mark()
	if mark != 1 {
		t.Fatalf("%d log lines after one request", mark)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := srv.Client().Post(srv.URL+meeco.KeystorePrefix+meeco.KSSRPUsername, "application/json", strings.NewReader("{}"))
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	var lines []string
	v.Scan(mark, nil, func(where string, data []byte, whole bool) {
		if whole {
			t.Errorf("a log line is not a stored field: %s", where)
		}
		lines = append(lines, where+" "+string(data))
	})
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "the fake Vault's log, line 2 ") || !strings.Contains(lines[0], "/srp/username") {
		t.Errorf("lines since the mark: %q", lines)
	}
	n := 0
	v.Scan(v.Mark(), []string{"no-such-user"}, func(string, []byte, bool) { n++ })
	if n != 0 {
		t.Errorf("%d strings of a user who does not exist", n)
	}
}
