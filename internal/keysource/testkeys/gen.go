//go:build ignore

// gen.go writes the committed test key set, keys.pem.gz: N RSA keys
// (default 640 keys of 4096 bits, e = 65537) as PKCS#1 "RSA PRIVATE KEY" PEM
// blocks, concatenated and gzipped.
//
// Run it through go generate in this directory, or by hand:
//
//	nice -n 19 go run gen.go -n 640 -workers 1 -o keys.pem.gz
//
// The keys come from crypto/rand, so every run produces a different set.
// They are TEST KEYS, PUBLICLY KNOWN once committed: never use them for real
// data. The output is written to a temporary file and renamed at the end, so
// an interrupted run leaves the previous set in place.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"time"
)

func main() {
	n := flag.Int("n", 640, "number of keys")
	bits := flag.Int("bits", 4096, "modulus size")
	workers := flag.Int("workers", 1, "generator goroutines (the default stays off shared CPUs)")
	out := flag.String("o", "keys.pem.gz", "output file")
	flag.Parse()
	if *n < 1 || *workers < 1 {
		log.Fatal("gen: -n and -workers must be at least 1")
	}

	start := time.Now()
	keys := make([][]byte, *n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				k, err := rsa.GenerateKey(rand.Reader, *bits)
				if err != nil {
					log.Fatalf("gen: key %d: %v", i, err)
				}
				if k.E != 65537 {
					log.Fatalf("gen: key %d: exponent %d", i, k.E)
				}
				keys[i] = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
				mu.Lock()
				done++
				if done%10 == 0 || done == *n {
					fmt.Fprintf(os.Stderr, "gen: %d/%d keys, %v\n", done, *n, time.Since(start).Round(time.Second))
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < *n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	var buf bytes.Buffer
	// No name or modification time in the gzip header, so the file's bytes
	// depend only on the keys.
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys {
		if _, err := zw.Write(k); err != nil {
			log.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".keys-*.tmp")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		log.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %d keys (%d bytes) to %s in %v\n", *n, buf.Len(), *out, time.Since(start).Round(time.Second))
}
