package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/internal/sampledata"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// backend is duxin wired on the sample data: what the server's interfaces
// are made of.
type backend struct {
	search   searcher
	classify classifier
	rec      recommender
	sink     eventSink
	closers  []func() error
}

// Close releases what build acquired, last first.
func (b *backend) Close() error {
	var errs []error
	for i := len(b.closers) - 1; i >= 0; i-- {
		errs = append(errs, b.closers[i]())
	}
	b.closers = nil
	return errors.Join(errs...)
}

// buildConfig are the knobs of build.
type buildConfig struct {
	Seed uint64 // simulation and training seed
	Now  func() time.Time
}

// build loads the tokenizer, indexes the sample knowledge base, trains the
// intent model and the recommender, logging each step and its time.
func build(ctx context.Context, cfg buildConfig, log *slog.Logger) (_ *backend, err error) {
	b := &backend{}
	defer func() {
		if err != nil {
			err = errors.Join(err, b.Close())
		}
	}()
	start := time.Now()
	step := func(name string, t0 time.Time, args ...any) {
		log.Info(name, append(args, "took", time.Since(t0).Round(time.Millisecond))...)
	}

	t0 := time.Now()
	tok, err := jieba.New()
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	b.closers = append(b.closers, tok.Close)
	step("tokenizer loaded", t0, "identity", tok.Identity())

	t0 = time.Now()
	k, err := newTmpKB(tok)
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	b.search = k
	step("knowledge base indexed", t0, "faqs", len(k.faqs))

	t0 = time.Now()
	c, n, err := trainIntents(ctx, tok, cfg.Seed)
	if err != nil {
		return nil, err
	}
	b.classify = c
	step("intent model trained", t0, "examples", n, "intents", len(c.routes))

	t0 = time.Now()
	r := newTmpRecommender(k, cfg.Now)
	b.rec, b.sink = r, r
	step("recommender ready", t0)

	log.Info("start-up done", "took", time.Since(start).Round(time.Millisecond))
	return b, nil
}

// intentClassifier is intent's model plus the routing table.
type intentClassifier struct {
	model  *intent.Model
	routes map[string]tmpRoute
}

func trainIntents(ctx context.Context, tok *jieba.Tokenizer, seed uint64) (*intentClassifier, int, error) {
	exs, err := intent.ReadJSONL(bytes.NewReader(sampledata.IntentsJSONL()), "intents.jsonl")
	if err != nil {
		return nil, 0, fmt.Errorf("intents: %w", err)
	}
	m, err := intent.Train(ctx, exs, tok, intent.WithSeed(seed))
	if err != nil {
		return nil, 0, fmt.Errorf("intents: %w", err)
	}
	routes, err := tmpRoutes()
	if err != nil {
		return nil, 0, fmt.Errorf("routes: %w", err)
	}
	return &intentClassifier{model: m, routes: routes}, len(exs), nil
}

func (c *intentClassifier) Classify(ctx context.Context, text string) (classification, error) {
	res, err := c.model.Classify(ctx, text)
	if err != nil {
		return classification{}, err
	}
	out := classification{Outcome: res.Outcome.String(), Intent: res.Intent}
	for _, p := range res.Predictions {
		out.Predictions = append(out.Predictions, predictionView{Intent: p.Label, Confidence: p.Confidence})
	}
	if len(res.Predictions) > 0 {
		out.Confidence = res.Predictions[0].Confidence
	}
	if !res.Known() {
		return out, nil
	}
	rt, ok := c.routes[res.Intent]
	if !ok {
		// An intent the routing table does not know is not a service we can open.
		out.Outcome = "unrouted"
		return out, nil
	}
	out.Service = &serviceView{Name: rt.Service, Link: rt.Link}
	out.Slots = tmpSlots(text)
	for _, req := range rt.Required {
		found := false
		for _, s := range out.Slots {
			found = found || s.Kind == req
		}
		if !found {
			out.Missing = append(out.Missing, req)
		}
	}
	return out, nil
}

// slotLabel is the Chinese name of a slot kind.
func slotLabel(kind string) string {
	switch kind {
	case "amount":
		return "金额"
	case "card_tail":
		return "卡号尾号"
	case "date":
		return "日期"
	case "payee":
		return "收款人"
	case "order_id":
		return "订单号"
	case "phone":
		return "手机号"
	}
	return kind
}
