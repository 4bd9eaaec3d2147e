package fakevault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// checkInvariants verifies the store's indexes agree with its records.
func checkInvariants(t testing.TB, st *Store) {
	t.Helper()
	st.mu.RLock()
	defer st.mu.RUnlock()
	for id, it := range st.items {
		if st.userItems[it.userID][id] != it {
			t.Fatalf("item %s missing from its user's index", id)
		}
		for _, sid := range it.slotIDs {
			if sl := st.slots[sid]; sl == nil || sl.itemID != id {
				t.Fatalf("item %s lists a slot that is not its own", id)
			}
		}
		if !it.own {
			if sh := st.shares[it.shareID]; sh == nil || sh.copyID != id {
				t.Fatalf("copy %s without the share that holds it", id)
			}
		}
	}
	for uid, m := range st.userItems {
		for id := range m {
			if st.items[id] == nil || st.items[id].userID != uid {
				t.Fatalf("user index holds a dead item")
			}
		}
	}
	for id, sl := range st.slots {
		it := st.items[sl.itemID]
		if it == nil {
			t.Fatalf("slot %s of a deleted item", id)
		}
		found := false
		for _, x := range it.slotIDs {
			found = found || x == id
		}
		if !found {
			t.Fatalf("slot %s not listed by its item", id)
		}
	}
	for id, sh := range st.shares {
		if st.incoming[sh.recipientID][id] != sh || st.outgoing[sh.senderID][id] != sh || st.itemShares[sh.itemID][id] != sh {
			t.Fatalf("share %s missing from an index", id)
		}
		switch {
		case sh.copyID != "" && sh.viaShareID != "":
			t.Fatalf("share %s both holds a copy and rides on another", id)
		case sh.copyID != "" && st.items[sh.copyID] == nil:
			t.Fatalf("share %s holds a deleted copy", id)
		case sh.viaShareID != "" && st.shares[sh.viaShareID] == nil:
			t.Fatalf("share %s rides on a deleted share", id)
		case sh.parentID != "" && st.shares[sh.parentID] == nil:
			t.Fatalf("on-share %s outlived its parent", id)
		case sh.copyID == "" && sh.viaShareID == "":
			t.Fatalf("share %s delivers no copy", id)
		}
		if sh.viaShareID != "" {
			h := st.shares[sh.viaShareID]
			if h.copyID == "" || h.recipientID != sh.recipientID || h.itemID != sh.itemID {
				t.Fatalf("share %s rides on %s, which does not hold the recipient's copy", id, h.id)
			}
		}
		// One copy per recipient and item, and each share's values are
		// for slots it grants and the copy has.
		c := st.copyOf(sh)
		if c == nil || c.shareID == "" || st.shares[c.shareID] == nil {
			t.Fatalf("share %s: copy without a holder", id)
		}
		for orig := range sh.vals {
			if !sh.grants(orig) {
				t.Fatalf("share %s keeps a value of slot %s it does not grant", id, orig)
			}
			if st.copySlot(c, orig) == nil {
				t.Fatalf("share %s delivers slot %s its copy lacks", id, orig)
			}
		}
	}
	for id, it := range st.items {
		if it.own {
			continue
		}
		for _, sid := range it.slotIDs {
			sl := st.slots[sid]
			if sl.value != nil || sl.valueKey != nil || sl.valueHash != nil {
				t.Fatalf("copy %s: slot %s holds values (they belong to the shares)", id, sid)
			}
			delivered := false
			for _, sh := range st.recipientShares(it.userID, it.originalID) {
				_, ok := sh.vals[sl.originalID]
				delivered = delivered || ok
			}
			if !delivered {
				t.Fatalf("copy %s keeps slot %s no share delivers", id, sid)
			}
		}
	}
	n := 0
	for _, m := range st.itemShares {
		n += len(m)
	}
	if n != len(st.shares) {
		t.Fatalf("item share index holds %d shares, store %d", n, len(st.shares))
	}
}

// TestConcurrentClients runs 32 users doing mixed realistic traffic over
// loopback HTTP: each connected to the next in a ring, creating, sharing,
// on-sharing, reading, accepting, updating, re-keying and deleting. Run it
// with -race.
func TestConcurrentClients(t *testing.T) {
	const clients, rounds = 32, 6
	ts := NewTestServer(t)
	f := &fixture{t: t, st: ts.Store()}
	users := make([]string, clients)
	vtok := make([]string, clients)
	ktok := make([]string, clients)
	for i := range users {
		users[i] = f.user()
		vtok[i] = f.sessionFor(users[i])
		ktok[i] = f.ksSession(f.st.users[users[i]].ksUserID)
	}
	for i := range users {
		f.connect(users[i], users[(i+1)%clients])
	}
	conns := make([]meeco.Connection, clients) // i's record of its connection to i+1
	for i := range users {
		conns[i] = f.connTo(users[i], users[(i+1)%clients])
	}
	// Ciphertexts are prepared up front: the traffic, not the crypto, is
	// under test.
	aes := make([]string, 64)
	for i := range aes {
		aes[i] = aesStr(t)
	}
	dek := rsaStr(t, 2)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}}

	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := clientLoop(hc, ts.URL(), i, rounds, users, vtok, ktok, conns, aes, dek); err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkInvariants(t, f.st)
	if onShares.Load() == 0 || accepts.Load() == 0 {
		t.Fatalf("no on-share (%d) or acceptance (%d) happened", onShares.Load(), accepts.Load())
	}
	t.Logf("%d on-shares, %d acceptances, %d shares and %d items left", onShares.Load(), accepts.Load(), len(f.st.shares), len(f.st.items))
	if len(f.st.shares) == 0 || len(f.st.items) < clients {
		t.Fatalf("traffic left %d shares and %d items: the loop did not run", len(f.st.shares), len(f.st.items))
	}
}

// Counters of the traffic that depends on other clients, to show it ran.
var onShares, accepts atomic.Int64

func clientLoop(hc *http.Client, base string, i, rounds int, users, vtok, ktok []string, conns []meeco.Connection, aes []string, dek string) error {
	n := len(users)
	next := users[(i+1)%n]
	do := func(tok, method, path string, body any, out any, ok ...int) (int, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", tok)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		for _, s := range ok {
			if resp.StatusCode == s {
				if out != nil && resp.StatusCode < 300 {
					return s, json.Unmarshal(data, out)
				}
				return s, nil
			}
		}
		return resp.StatusCode, fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, clip(string(data), 200))
	}
	v := func(k int) string { return aes[(i*7+k)%len(aes)] }
	for r := 0; r < rounds; r++ {
		if _, err := do(vtok[i], "GET", "/vault/me", nil, nil, 200); err != nil {
			return err
		}
		if _, err := do(ktok[i], "GET", "/keystore/external_admission_tokens", nil, nil, 200); err != nil {
			return err
		}
		var it meeco.ItemResponse
		slots := []meeco.SlotAttributes{{Name: "vin", EncryptedValue: ptr(v(0))}, {Name: "type", EncryptedValue: ptr(v(1))}}
		if _, err := do(vtok[i], "POST", "/vault/items", meeco.CreateItemRequest{TemplateName: "vehicle",
			Item: meeco.NewItemAttributes{Label: "car", SlotsAttributes: slots}}, &it, 201); err != nil {
			return err
		}
		ps := meeco.PostShare{RecipientID: next, PublicKey: conns[i].TheOtherUser.UserPublicKey, KeypairExternalID: conns[i].TheOtherUser.UserKeypairExternalID,
			EncryptedDEK: dek, OnsharingPermitted: ptr(true)}
		if r%2 == 1 {
			ps.AcceptanceRequired = ptr(meeco.AcceptanceRequired)
		}
		for _, sl := range it.Slots {
			if sl.EncryptedValue != nil {
				ps.SlotValues = append(ps.SlotValues, meeco.SlotValue{SlotID: sl.ID, EncryptedValue: ptr(v(2)), EncryptedValueVerificationKey: ptr(v(3)), ValueVerificationHash: ptr(fmt.Sprintf("%064x", r))})
			}
		}
		var created meeco.SharesResponse
		if _, err := do(vtok[i], "POST", "/vault/items/"+it.Item.ID+"/shares", meeco.CreateSharesRequest{Shares: []meeco.PostShare{ps}}, &created, 201); err != nil {
			return err
		}
		// Read, accept and on-share what the previous user sent.
		var in meeco.SharesListResponse
		if _, err := do(vtok[i], "GET", "/vault/incoming_shares?per_page=3", nil, &in, 200); err != nil {
			return err
		}
		for _, sh := range in.Shares {
			if sh.AcceptanceRequired == meeco.AcceptanceRequired {
				st, err := do(vtok[i], "PUT", "/vault/incoming_shares/"+sh.ID+"/accept", nil, nil, 200, 404)
				if err != nil {
					return err
				}
				if st == 200 {
					accepts.Add(1)
				}
			}
			var got meeco.ShareWithItemResponse
			st, err := do(vtok[i], "GET", "/vault/incoming_shares/"+sh.ID+"/item", nil, &got, 200, 404)
			if err != nil {
				return err
			}
			if st == 200 && sh.OnsharingPermitted && got.ItemSharedViaAnotherShareID == nil && sh.OwnerID != next {
				on := ps
				on.OnsharingPermitted, on.AcceptanceRequired, on.SlotValues = nil, nil, nil
				for _, sl := range got.Slots {
					if sl.EncryptedValue != nil {
						on.SlotValues = append(on.SlotValues, meeco.SlotValue{SlotID: sl.ID, EncryptedValue: ptr(v(4)), EncryptedValueVerificationKey: ptr(v(5))})
					}
				}
				// 403: the share was accepted-pending or withdrawn meanwhile;
				// 404: it was deleted.
				st, err := do(vtok[i], "POST", "/vault/items/"+got.Item.ID+"/shares", meeco.CreateSharesRequest{Shares: []meeco.PostShare{on}}, nil, 201, 403, 404)
				if err != nil {
					return err
				}
				if st == 201 {
					onShares.Add(1)
				}
			}
		}
		// Update the item, run the client task, re-key.
		if _, err := do(vtok[i], "PUT", "/vault/items/"+it.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: ptr(v(6))}}}}, nil, 200); err != nil {
			return err
		}
		var tasks meeco.ClientTasksResponse
		if _, err := do(vtok[i], "GET", "/vault/client_task_queue?state=todo&change_state=true", nil, &tasks, 200); err != nil {
			return err
		}
		var itemShares meeco.ItemSharesResponse
		if _, err := do(vtok[i], "GET", "/vault/items/"+it.Item.ID+"/shares", nil, &itemShares, 200); err != nil {
			return err
		}
		up := meeco.UpdateItemSharesRequest{}
		for _, sh := range itemShares.Shares {
			up.ShareDEKs = append(up.ShareDEKs, meeco.ShareDEK{ShareID: sh.ID, DEK: dek})
		}
		for _, tk := range tasks.ClientTasks {
			up.ClientTasks = append(up.ClientTasks, meeco.ClientTaskUpdate{ID: tk.ID, State: meeco.TaskDone})
		}
		// 400: a share vanished between the two calls (the recipient
		// deleted it).
		if _, err := do(vtok[i], "PUT", "/vault/items/"+it.Item.ID+"/shares", up, nil, 200, 400); err != nil {
			return err
		}
		var items meeco.ItemsResponse
		if _, err := do(vtok[i], "GET", "/vault/items?per_page=4", nil, &items, 200); err != nil {
			return err
		}
		if r%3 == 2 {
			// Drop an incoming share, and an own item (with its shares).
			for _, sh := range in.Shares[:min(1, len(in.Shares))] {
				if _, err := do(vtok[i], "DELETE", "/vault/shares/"+sh.ID, nil, nil, 204, 404); err != nil {
					return err
				}
			}
			if _, err := do(vtok[i], "DELETE", "/vault/items/"+it.Item.ID, nil, nil, 204); err != nil {
				return err
			}
		}
		if _, err := do(vtok[i], "GET", "/vault/outgoing_shares", nil, nil, 200); err != nil {
			return err
		}
	}
	return nil
}
