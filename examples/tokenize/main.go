// Command tokenize shows duxin's default tokenizer on real customer-service
// questions: the bundled sample knowledge base's questions, or lines you
// type (-stdin). For each line it prints the tokens with their byte offsets
// and kinds, and, with -compare, how gojieba's default dictionary alone would
// have cut it.
//
//	go run ./examples/tokenize
//	echo '臨時額度怎麼提升？' | go run ./examples/tokenize -stdin
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func main() {
	stdin := flag.Bool("stdin", false, "tokenize lines from standard input instead of the sample questions")
	n := flag.Int("n", 12, "how many sample questions to show")
	compare := flag.Bool("compare", true, "also show the cut without duxin's payments dictionary")
	mode := flag.String("mode", "search", "jieba mode: search or precise")
	flag.Parse()

	m := jieba.Search
	switch *mode {
	case "search":
	case "precise":
		m = jieba.Precise
	default:
		log.Fatalf("-mode: want search or precise, got %q", *mode)
	}
	tok, err := jieba.New(jieba.WithMode(m))
	if err != nil {
		log.Fatal(err)
	}
	defer tok.Close()
	var plain *jieba.Tokenizer
	if *compare {
		if plain, err = jieba.New(jieba.WithMode(m), jieba.WithoutDomainDict()); err != nil {
			log.Fatal(err)
		}
		defer plain.Close()
	}

	for _, line := range lines(*stdin, *n) {
		fmt.Println(line)
		var parts []string
		for _, t := range tok.Tokenize(line) {
			parts = append(parts, fmt.Sprintf("%s[%d:%d %s]", t.Text, t.Start, t.End, t.Kind))
		}
		fmt.Println("  duxin:  ", strings.Join(parts, " "))
		if plain != nil {
			fmt.Println("  default:", strings.Join(tokenize.Terms(plain.Tokenize(line)), "/"))
		}
	}
}

func lines(stdin bool, n int) []string {
	var out []string
	if stdin {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if s := strings.TrimSpace(sc.Text()); s != "" {
				out = append(out, s)
			}
		}
		if err := sc.Err(); err != nil {
			log.Fatal(err)
		}
		return out
	}
	sc := bufio.NewScanner(strings.NewReader(string(sampledata.FAQJSONL())))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(out) < n {
		var e struct {
			Question string   `json:"question"`
			Similar  []string `json:"similar"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			log.Fatal(err)
		}
		out = append(out, e.Question)
		if len(e.Similar) > 0 {
			out = append(out, e.Similar[len(e.Similar)-1])
		}
	}
	return out
}
