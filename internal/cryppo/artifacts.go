package cryppo

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// Version bytes that precede the BSON document of an artifact block. Ruby
// checks them; cryppo-js drops the first byte unchecked. A wrong one is
// reported, as Ruby does.
const (
	versionEncryption byte = 'A'
	versionDerivation byte = 'K'
)

// Sizes AES-GCM artifacts must have: cryppo-js and Ruby always use a 12-byte
// IV and a 128-bit tag.
const (
	gcmIVSize  = 12
	gcmTagSize = 16
)

// valueKind is the type of one artifact value, common to BSON and YAML.
type valueKind int

const (
	kindOther valueKind = iota
	kindBinary
	kindString
	kindInt
)

func (k valueKind) String() string {
	switch k {
	case kindBinary:
		return "binary"
	case kindString:
		return "string"
	case kindInt:
		return "integer"
	}
	return "value of another type"
}

// artValue is one decoded artifact value.
type artValue struct {
	kind valueKind
	bin  []byte
	str  string
	num  int64
	// why says what made a value kindOther (a BSON type, a YAML tag).
	why string
}

// artifactBlock is a decoded artifact block, whatever its encoding.
type artifactBlock struct {
	format ArtifactFormat
	part   string
	fields map[string]artValue
}

// readArtifactBlock decodes the bytes of an artifact part: legacy YAML when
// they start with "---" (the test cryppo-js applies), otherwise the version
// byte and a BSON document.
func readArtifactBlock(raw []byte, version byte, part string) (*artifactBlock, error) {
	if len(raw) == 0 {
		return nil, newError(ErrArtifacts, part, "empty")
	}
	if strings.HasPrefix(string(raw[:min(len(raw), 3)]), "---") {
		return readYAMLBlock(raw, part)
	}
	return readBSONBlock(raw, version, part)
}

func readBSONBlock(raw []byte, version byte, part string) (*artifactBlock, error) {
	if raw[0] != version {
		return nil, newError(ErrArtifacts, part, fmt.Sprintf("version byte 0x%02x, want %q", raw[0], version))
	}
	doc := raw[1:]
	if len(doc) < 5 {
		return nil, newError(ErrArtifacts, part, fmt.Sprintf("truncated BSON document (%d bytes)", len(doc)))
	}
	// bsoncore's Validate tolerates bytes after the document; a block with
	// trailing bytes is not one any port writes, so it is refused here.
	if n := int32(binary.LittleEndian.Uint32(doc)); int64(n) != int64(len(doc)) {
		return nil, newError(ErrArtifacts, part, fmt.Sprintf("BSON length field says %d bytes, block holds %d", n, len(doc)))
	}
	if err := bson.Raw(doc).Validate(); err != nil {
		return nil, newError(ErrArtifacts, part, "malformed BSON: "+err.Error())
	}
	elems, err := bson.Raw(doc).Elements()
	if err != nil {
		return nil, newError(ErrArtifacts, part, "malformed BSON: "+err.Error())
	}
	b := &artifactBlock{format: FormatBSON, part: part, fields: make(map[string]artValue, len(elems))}
	for _, el := range elems {
		key, err := el.KeyErr()
		if err != nil {
			return nil, newError(ErrArtifacts, part, "malformed BSON key")
		}
		val, err := el.ValueErr()
		if err != nil {
			return nil, newError(ErrArtifacts, part, "malformed BSON value")
		}
		var v artValue
		switch val.Type {
		case bson.TypeBinary:
			sub, data, ok := val.BinaryOK()
			switch {
			case !ok:
				v = artValue{why: "malformed binary"}
			case sub != 0x00:
				// Every port writes subtype 0x00 (generic).
				v = artValue{why: fmt.Sprintf("binary of subtype 0x%02x", sub)}
			default:
				v = artValue{kind: kindBinary, bin: append([]byte(nil), data...)}
			}
		case bson.TypeString:
			s, ok := val.StringValueOK()
			v = artValue{kind: kindString, str: s}
			if !ok {
				v = artValue{why: "malformed string"}
			}
		case bson.TypeInt32:
			n, ok := val.Int32OK()
			v = artValue{kind: kindInt, num: int64(n)}
			if !ok {
				v = artValue{why: "malformed int32"}
			}
		case bson.TypeInt64:
			n, ok := val.Int64OK()
			v = artValue{kind: kindInt, num: n}
			if !ok {
				v = artValue{why: "malformed int64"}
			}
		default:
			v = artValue{why: "BSON " + val.Type.String()}
		}
		if err := b.add(key, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *artifactBlock) add(key string, v artValue) error {
	if _, dup := b.fields[key]; dup {
		return newError(ErrArtifacts, b.part, fmt.Sprintf("duplicate key %q", clip(key)))
	}
	b.fields[key] = v
	return nil
}

// get returns the value of key, which must be present and of kind want.
func (b *artifactBlock) get(key string, want valueKind) (artValue, error) {
	v, ok := b.fields[key]
	if !ok {
		return v, newError(ErrArtifacts, b.part, fmt.Sprintf("missing %q", key))
	}
	if v.kind != want {
		got := v.kind.String()
		if v.why != "" {
			got = v.why
		}
		return v, newError(ErrArtifacts, b.part, fmt.Sprintf("%q is a %s, want %s", key, got, want))
	}
	return v, nil
}

// aesArtifacts extracts iv, at and ad. Other keys are ignored, as cryppo-js
// and Ruby ignore them.
func aesArtifacts(b *artifactBlock) (Artifacts, error) {
	iv, err := b.get("iv", kindBinary)
	if err != nil {
		return Artifacts{}, err
	}
	at, err := b.get("at", kindBinary)
	if err != nil {
		return Artifacts{}, err
	}
	ad, err := b.get("ad", kindString)
	if err != nil {
		return Artifacts{}, err
	}
	if len(iv.bin) != gcmIVSize {
		return Artifacts{}, newError(ErrArtifacts, b.part, fmt.Sprintf("iv is %d bytes, want %d", len(iv.bin), gcmIVSize))
	}
	if len(at.bin) != gcmTagSize {
		return Artifacts{}, newError(ErrArtifacts, b.part, fmt.Sprintf("at (tag) is %d bytes, want %d", len(at.bin), gcmTagSize))
	}
	return Artifacts{IV: iv.bin, AuthTag: at.bin, AAD: []byte(ad.str)}, nil
}

// derivationArtifacts extracts iv (salt), i, l and the optional hash.
func derivationArtifacts(b *artifactBlock) (*DerivationArtifacts, error) {
	salt, err := b.get("iv", kindBinary)
	if err != nil {
		return nil, err
	}
	iter, err := b.get("i", kindInt)
	if err != nil {
		return nil, err
	}
	length, err := b.get("l", kindInt)
	if err != nil {
		return nil, err
	}
	// Both are written as BSON int32; an int64 is accepted when it fits.
	if iter.num < 1 || iter.num > math.MaxInt32 {
		return nil, newError(ErrArtifacts, b.part, fmt.Sprintf("iterations %d out of range", iter.num))
	}
	if length.num < 1 || length.num > math.MaxInt32 {
		return nil, newError(ErrArtifacts, b.part, fmt.Sprintf("key length %d out of range", length.num))
	}
	d := &DerivationArtifacts{Salt: salt.bin, Iterations: int(iter.num), Length: int(length.num), Format: b.format}
	if _, ok := b.fields["hash"]; ok {
		h, err := b.get("hash", kindString)
		if err != nil {
			return nil, err
		}
		d.Hash = h.str
	}
	return d, nil
}

// The writers use bsoncore's builders rather than bson.Marshal: they write
// exactly the elements given, in order, and cannot fail, so String needs no
// error path. vectors_test.go checks the bytes against bson.Marshal(bson.D).

func encodeAESArtifacts(a Artifacts) []byte {
	doc := bsoncore.BuildDocument(nil,
		bsoncore.AppendBinaryElement(nil, "iv", 0x00, a.IV),
		bsoncore.AppendBinaryElement(nil, "at", 0x00, a.AuthTag),
		bsoncore.AppendStringElement(nil, "ad", string(a.AAD)),
	)
	return append([]byte{versionEncryption}, doc...)
}

func encodeEmptyArtifacts() []byte {
	return append([]byte{versionEncryption}, bsoncore.BuildDocument(nil)...)
}

func encodeDerivationArtifacts(d *DerivationArtifacts) []byte {
	elems := [][]byte{
		bsoncore.AppendBinaryElement(nil, "iv", 0x00, d.Salt),
		bsoncore.AppendInt32Element(nil, "i", clampInt32(d.Iterations)),
		bsoncore.AppendInt32Element(nil, "l", clampInt32(d.Length)),
	}
	if d.Hash != "" {
		elems = append(elems, bsoncore.AppendStringElement(nil, "hash", d.Hash))
	}
	return append([]byte{versionDerivation}, bsoncore.BuildDocument(nil, elems...)...)
}

// clampInt32 keeps out-of-range values (only possible in a hand-built
// DerivationArtifacts) from wrapping silently; Parse never yields them.
func clampInt32(n int) int32 {
	return int32(max(math.MinInt32, min(math.MaxInt32, n)))
}
