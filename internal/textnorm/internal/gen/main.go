// Command gen writes t2s_table.go, the traditional → simplified character
// table of package textnorm, from OpenCC's TSCharacters dictionary.
//
// It is run by go generate in internal/textnorm and needs the OpenCC tools
// (Debian: apt-get install opencc libopencc-data); nothing else in the module
// does. Steps:
//
//  1. opencc_dict converts the compiled dictionary (TSCharacters.ocd2) to its
//     text form: one traditional character, a tab, and space-separated
//     simplified candidates per line.
//  2. The first candidate is kept (it is what OpenCC itself outputs); entries
//     that map a character to itself are dropped, and the rare chains (A → B
//     where B → C is also an entry) are followed to their end so that the
//     table is idempotent.
//  3. With -verify (the default) the opencc CLI is run with t2s.json over
//     every CJK code point, one per line so that phrase rules cannot apply,
//     and every single-character change it makes must agree with the table
//     before chain resolution.
//  4. The table is written sorted by code point, gofmt-ed, with a header
//     recording the OpenCC version, the dictionary checksum and the command.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

func main() {
	dict := flag.String("dict", "/usr/share/opencc/TSCharacters.ocd2", "OpenCC TSCharacters dictionary (ocd2)")
	out := flag.String("out", "t2s_table.go", "generated Go file")
	verify := flag.Bool("verify", true, "cross-check the table against the opencc CLI (t2s.json), one character per line")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	if err := run(*dict, *out, *verify); err != nil {
		log.Fatal(err)
	}
}

func run(dictPath, outPath string, verify bool) error {
	raw, err := os.ReadFile(dictPath)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)

	tmp, err := os.MkdirTemp("", "textnorm-gen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	txtPath := filepath.Join(tmp, "TSCharacters.txt")
	dictCmd := []string{"opencc_dict", "-i", dictPath, "-o", txtPath, "-f", "ocd2", "-t", "text"}
	if o, err := exec.Command(dictCmd[0], dictCmd[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(dictCmd, " "), err, o)
	}
	f, err := os.Open(txtPath)
	if err != nil {
		return err
	}
	direct, err := parse(f, "TSCharacters.txt")
	f.Close()
	if err != nil {
		return err
	}
	if verify {
		if err := verifyCLI(direct); err != nil {
			return err
		}
	}
	table, err := resolve(direct)
	if err != nil {
		return err
	}

	h := header{
		OpenCCVersion: toolVersion("opencc_dict", "--version"),
		DebianVersion: debianVersion("libopencc-data"),
		DictFile:      filepath.Base(dictPath),
		DictSHA256:    hex.EncodeToString(sum[:]),
		Command:       "go run ./internal/gen " + strings.Join(os.Args[1:], " "),
		DictCommand:   "opencc_dict -i " + dictPath + " -o TSCharacters.txt -f ocd2 -t text",
		Verified:      verify,
	}
	src, err := render(h, table)
	if err != nil {
		return err
	}
	log.Printf("%d mappings (%d from the dictionary) -> %s", len(table), len(direct), outPath)
	return os.WriteFile(outPath, src, 0o644)
}

// parse reads OpenCC's text dictionary format and returns, for every entry
// whose first candidate differs from the key, key → first candidate. Keys and
// candidates must be single runes; name is used in error messages.
func parse(r io.Reader, name string) (map[rune]rune, error) {
	m := make(map[rune]rune)
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" {
			continue
		}
		key, vals, ok := strings.Cut(text, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: no tab between key and candidates", name, line)
		}
		first, _, _ := strings.Cut(vals, " ")
		k, err := single(key)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: key: %w", name, line, err)
		}
		v, err := single(first)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: first candidate: %w", name, line, err)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("%s:%d: duplicate key %q", name, line, key)
		}
		if k != v {
			m[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

func single(s string) (rune, error) {
	r, size := utf8.DecodeRuneInString(s)
	if s == "" || r == utf8.RuneError || size != len(s) {
		return 0, fmt.Errorf("%q is not a single valid rune", s)
	}
	return r, nil
}

// resolve follows chains so that no target is itself a key: with A → B and
// B → C it returns A → C and B → C. A cycle is an error.
func resolve(m map[rune]rune) (map[rune]rune, error) {
	out := make(map[rune]rune, len(m))
	for k, v := range m {
		seen := 0
		for {
			next, ok := m[v]
			if !ok {
				break
			}
			v = next
			if seen++; seen > len(m) || v == k {
				return nil, fmt.Errorf("cycle through %U", k)
			}
		}
		out[k] = v
	}
	return out, nil
}

// cjkRanges are the blocks over which -verify runs the opencc CLI.
var cjkRanges = [][2]rune{
	{0x2E80, 0x2FDF},   // radicals
	{0x3000, 0x303F},   // CJK symbols and punctuation
	{0x3400, 0x4DBF},   // extension A
	{0x4E00, 0x9FFF},   // unified ideographs
	{0xF900, 0xFAFF},   // compatibility ideographs
	{0xFF00, 0xFFEF},   // half-width and full-width forms
	{0x20000, 0x323AF}, // extensions B–H and compatibility supplement
}

func verifyCLI(direct map[rune]rune) error {
	var in bytes.Buffer
	var cps []rune
	for _, rg := range cjkRanges {
		for r := rg[0]; r <= rg[1]; r++ {
			if r >= 0xD800 && r <= 0xDFFF {
				continue
			}
			cps = append(cps, r)
			in.WriteRune(r)
			in.WriteByte('\n')
		}
	}
	cmd := exec.Command("opencc", "-c", "t2s.json")
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("opencc -c t2s.json: %w\n%s", err, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSuffix(string(outb), "\n"), "\n")
	if len(lines) != len(cps) {
		return fmt.Errorf("verify: opencc returned %d lines for %d code points", len(lines), len(cps))
	}
	var errs []error
	changed := 0
	for i, r := range cps {
		got := lines[i]
		want, ok := direct[r]
		if !ok {
			want = r
		}
		if got != string(want) {
			errs = append(errs, fmt.Errorf("verify: %U %c: opencc CLI gives %q, dictionary gives %q", r, r, got, string(want)))
		}
		if got != string(r) {
			changed++
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	log.Printf("verify: opencc CLI changes %d of %d CJK code points, all as in the dictionary", changed, len(cps))
	return nil
}

func toolVersion(name string, args ...string) string {
	o, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(o), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func debianVersion(pkg string) string {
	o, err := exec.Command("dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(o))
}

type header struct {
	OpenCCVersion string
	DebianVersion string
	DictFile      string
	DictSHA256    string
	Command       string
	DictCommand   string
	Verified      bool
}

// render returns the gofmt-ed source of t2s_table.go.
func render(h header, table map[rune]rune) ([]byte, error) {
	keys := make([]rune, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by internal/gen from OpenCC %s; DO NOT EDIT.\n\n", h.DictFile)
	b.WriteString("// Traditional → simplified character table derived from OpenCC\n")
	b.WriteString("// (https://github.com/BYVoid/OpenCC), Copyright 2010-2022 BYVoid and\n")
	b.WriteString("// contributors, licensed under the Apache License, Version 2.0\n")
	b.WriteString("// (http://www.apache.org/licenses/LICENSE-2.0). Only the first candidate of\n")
	b.WriteString("// each single-character entry is kept and chains are resolved.\n//\n")
	fmt.Fprintf(&b, "// OpenCC version: %s", h.OpenCCVersion)
	if h.DebianVersion != "" {
		fmt.Fprintf(&b, " (Debian libopencc-data %s)", h.DebianVersion)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "// Dictionary:     %s sha256 %s\n", h.DictFile, h.DictSHA256)
	fmt.Fprintf(&b, "// Generated by:   %s\n", h.Command)
	fmt.Fprintf(&b, "// which runs:     %s\n", h.DictCommand)
	if h.Verified {
		b.WriteString("// and checks:     opencc -c t2s.json, one CJK code point per line\n")
	}
	b.WriteString("\npackage textnorm\n\n")
	fmt.Fprintf(&b, "// t2sPairs holds the %d traditional → simplified mappings, sorted by from.\n", len(keys))
	b.WriteString("var t2sPairs = [...]runePair{\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "\t{0x%04X, 0x%04X}, // %c → %c\n", k, table[k], k, table[k])
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
