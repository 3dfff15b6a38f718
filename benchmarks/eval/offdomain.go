package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/duxin-ai/duxin/internal/evaluate"
	"github.com/duxin-ai/duxin/internal/offdomain"
	"github.com/duxin-ai/duxin/kb"
)

// oodHelp documents the -ood flag of retrieval and retrieval-calibrate.
const oodHelp = `out-of-domain queries, comma-separated: "tune" or "heldout" (generated English, keyboard mash, emoji, chit-chat and other-domain Chinese; tune on one, report on the other) or JSON Lines files of {"text": ...}`

// oodFigures are retrieval's figures with, under -ood, how the
// out-of-domain queries fared at the answer threshold.
type oodFigures struct {
	evaluate.RetrievalFigures
	// OODQueries is the number of out-of-domain queries; OODRefused the
	// share of them whose best hit is under the answer threshold (or
	// that have none).
	OODQueries int     `json:"ood_queries,omitempty"`
	OODRefused float64 `json:"ood_refused,omitempty"`
	// AnsweredRight is the share of the answerable in-domain queries
	// whose best hit is their entry and at least the answer threshold
	// confident.
	AnsweredRight float64 `json:"answered_right,omitempty"`
	// OODRefusedByKind breaks OODRefused down by generator kind (and
	// "file" for queries read from files).
	OODRefusedByKind map[string]float64 `json:"ood_refused_by_kind,omitempty"`
}

// readOODSpec returns the queries the -ood flag names (nil for "").
// most bounds the questions read from each file (every k-th; 0: all).
func readOODSpec(spec string, most int) ([]offdomain.Query, error) {
	var out []offdomain.Query
	for part := range strings.SplitSeq(spec, ",") {
		switch part = strings.TrimSpace(part); part {
		case "":
		case "tune":
			out = append(out, offdomain.Tune()...)
		case "heldout":
			out = append(out, offdomain.HeldOut()...)
		default:
			qs, err := readOODFile(part, most)
			if err != nil {
				return nil, err
			}
			out = append(out, qs...)
		}
	}
	return out, nil
}

// readOODFile reads up to most questions (every k-th; 0: all) of a JSON
// Lines file of {"text": ...}. Errors name the file and line.
func readOODFile(path string, most int) ([]offdomain.Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-ood: %w", err)
	}
	defer f.Close()
	var all []offdomain.Query
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var v struct {
			Text *string `json:"text"`
		}
		if err := json.Unmarshal(b, &v); err != nil || v.Text == nil {
			return nil, fmt.Errorf(`%s:%d: want a JSON object with a "text" string`, path, line)
		}
		if *v.Text != "" {
			all = append(all, offdomain.Query{Text: *v.Text, Kind: "file"})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if most <= 0 || len(all) <= most {
		return all, nil
	}
	step := len(all) / most
	out := make([]offdomain.Query, 0, most)
	for i := 0; i < len(all) && len(out) < most; i += step {
		out = append(out, all[i])
	}
	return out, nil
}

// measureOOD searches every out-of-domain query in idx and fills fig's
// out-of-domain figures; answeredRight is the count of in-domain queries
// answered with their entry.
func measureOOD(ctx context.Context, idx *kb.Index, fig *oodFigures, ood []offdomain.Query, answeredRight int) error {
	t := idx.AnswerThreshold()
	if n := fig.Queries - fig.Unanswerable; n > 0 {
		fig.AnsweredRight = evaluate.Round(float64(answeredRight)/float64(n), 4)
	}
	if len(ood) == 0 {
		return nil
	}
	refused, total := map[string]int{}, map[string]int{}
	all := 0
	for _, q := range ood {
		hits, err := idx.Search(ctx, kb.Query{Text: q.Text, Limit: 1, MinConfidence: -1})
		if err != nil {
			return fmt.Errorf("out-of-domain query %q: %w", q.Text, err)
		}
		total[q.Kind]++
		if len(hits) == 0 || hits[0].Confidence < t {
			refused[q.Kind]++
			all++
		}
	}
	fig.OODQueries = len(ood)
	fig.OODRefused = evaluate.Round(float64(all)/float64(len(ood)), 4)
	fig.OODRefusedByKind = map[string]float64{}
	for k, n := range total {
		fig.OODRefusedByKind[k] = evaluate.Round(float64(refused[k])/float64(n), 4)
	}
	return nil
}
