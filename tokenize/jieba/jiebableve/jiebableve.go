// Package jiebableve registers duxin's jieba tokenizer with bleve v2 — the
// Chinese analyzer bleve users have asked for since gojieba's bleve plugin
// (bleve v1 only) was removed. Import it for its side effect:
//
//	import _ "github.com/duxin-ai/duxin/tokenize/jieba/jiebableve"
//
//	m := bleve.NewIndexMapping()
//	m.DefaultAnalyzer = jiebableve.Name   // and on every text field
//	idx, err := bleve.New(path, m)
//
// [Name] uses the default configuration of [jieba.New] (search mode,
// embedded and payments dictionaries, default stop words, stemming). For
// other settings, add a custom tokenizer of type [Name] to the mapping with
// config keys "mode" ("search" or "precise"), "dict_dir" and "user_dict" (a
// list of paths), then an analyzer using it.
//
// Every analyzer built with one configuration shares one gojieba instance
// for the life of the process: bleve has no hook to close an analyzer.
package jiebableve

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/duxin-ai/duxin/tokenize/bleveanalysis"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// Name names both the tokenizer type and the analyzer in bleve's registry.
const Name = "duxin_jieba"

func tokenizerFromConfig(config map[string]any) (*jieba.Tokenizer, error) {
	var opts []jieba.Option
	if v, ok := config["mode"]; ok {
		switch v {
		case "search":
			opts = append(opts, jieba.WithMode(jieba.Search))
		case "precise":
			opts = append(opts, jieba.WithMode(jieba.Precise))
		default:
			return nil, fmt.Errorf("jiebableve: config \"mode\": want \"search\" or \"precise\", got %v", v)
		}
	}
	if v, ok := config["dict_dir"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("jiebableve: config \"dict_dir\": want a string, got %T", v)
		}
		opts = append(opts, jieba.WithDictDir(s))
	}
	if v, ok := config["user_dict"]; ok {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("jiebableve: config \"user_dict\": want a list of paths, got %T", v)
		}
		for i, p := range list {
			s, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("jiebableve: config \"user_dict[%d]\": want a string, got %T", i, p)
			}
			opts = append(opts, jieba.WithUserDict(s))
		}
	}
	return jieba.New(opts...)
}

func init() {
	err := registry.RegisterTokenizer(Name, func(config map[string]any, _ *registry.Cache) (analysis.Tokenizer, error) {
		t, err := tokenizerFromConfig(config)
		if err != nil {
			return nil, err
		}
		return bleveanalysis.NewTokenizer(t), nil
	})
	if err != nil {
		panic(err)
	}
	err = registry.RegisterAnalyzer(Name, func(config map[string]any, _ *registry.Cache) (analysis.Analyzer, error) {
		t, err := tokenizerFromConfig(config)
		if err != nil {
			return nil, err
		}
		return bleveanalysis.NewAnalyzer(t), nil
	})
	if err != nil {
		panic(err)
	}
}
