package cryppo

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeBase64(t *testing.T) {
	cases := []struct {
		in      string
		want    []byte
		wantErr error
		std     bool
	}{
		{"", []byte{}, nil, false},
		{"AA==", []byte{0}, nil, false},
		{"-_8=", []byte{0xfb, 0xff}, nil, false},
		{"+/8=", []byte{0xfb, 0xff}, nil, true}, // standard alphabet, as cryppo-js
		{"-/8=", []byte{0xfb, 0xff}, nil, true}, // mixed, as cryppo-js
		{"AA", nil, ErrUnpadded, false},
		{"AAA", nil, ErrUnpadded, false},
		{"AAAAA", nil, ErrBase64, false},
		{"AA=", nil, ErrBase64, false},
		{"A===", nil, ErrBase64, false},
		{"AB==", nil, ErrBase64, false}, // non-zero unused bits
		{"AA==AA==", nil, ErrBase64, false},
		{"AA\n==", nil, ErrBase64, false},
		{"AA.=", nil, ErrBase64, false},
		{"AAé=", nil, ErrBase64, false},
	}
	for _, c := range cases {
		got, std, err := decodeBase64(c.in, "test")
		if c.wantErr != nil {
			if !errors.Is(err, c.wantErr) {
				t.Errorf("decode(%q) err = %v, want %v", c.in, err, c.wantErr)
			}
			if !errors.Is(err, ErrBase64) {
				t.Errorf("decode(%q) err = %v, want it to match ErrBase64 too", c.in, err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, c.want) || std != c.std {
			t.Errorf("decode(%q) = %x, std=%v, %v; want %x std=%v", c.in, got, std, err, c.want, c.std)
		}
	}
}

func TestEncodeBase64KeepsPadding(t *testing.T) {
	for n, want := range []string{"", "AA==", "AAA=", "AAAA"} {
		if got := EncodeBase64(make([]byte, n)); got != want {
			t.Errorf("EncodeBase64(%d zero bytes) = %q, want %q", n, got, want)
		}
	}
	if got := EncodeBase64([]byte{0xfb, 0xff}); got != "-_8=" {
		t.Errorf("URL-safe alphabet: got %q", got)
	}
	// A 32-byte key is 44 characters ending in '=' (protocol.md §1.2).
	if got := EncodeBase64(seq(32)); len(got) != 44 || got[43] != '=' {
		t.Errorf("32-byte key: %q", got)
	}
}
