package jieba_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func ExampleNew() {
	tok, err := jieba.New(jieba.WithMode(jieba.Precise))
	if err != nil {
		panic(err)
	}
	defer tok.Close()
	fmt.Println(strings.Join(tokenize.Terms(tok.Tokenize("转账为什么没有电子回单")), "/"))
	fmt.Println(strings.Join(tokenize.Terms(tok.Tokenize("臨時額度怎麼提升？")), "/"))
	// Output:
	// 转账/为什么/没有/电子回单
	// 临时额度/怎么/提升
}

func ExampleTokenizer_AddWord() {
	// Words added at run time reach every Tokenizer that shares the
	// dictionaries; a cache folder of its own gives this one a private copy.
	dir, _ := os.MkdirTemp("", "duxin-example")
	defer os.RemoveAll(dir)
	tok, err := jieba.New(jieba.WithMode(jieba.Precise), jieba.WithCacheDir(dir))
	if err != nil {
		panic(err)
	}
	defer tok.Close()
	fmt.Println(strings.Join(tok.Cut("碰一下支付"), "/"))
	tok.AddWord("碰一下", 20000)
	fmt.Println(strings.Join(tok.Cut("碰一下支付"), "/"))
	// Output:
	// 碰/一下/支付
	// 碰一下/支付
}
