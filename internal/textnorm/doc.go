// Package textnorm folds character variants that should match each other in
// Chinese customer-service text, before segmentation: traditional Chinese
// characters to simplified ones, and full-width ASCII forms to half-width
// ones. It is the folding layer shared by tokenize and intent.
//
//	textnorm.FoldString("我的花唄臨時額度") // "我的花呗临时额度"
//	textnorm.FoldString("ＡＢＣ１２３！")   // "ABC123!"
//	textnorm.Fold('轉')                   // '转'
//
// Folding is per character ([Simplify], [Narrow], [Fold]) or per string
// ([FoldString], with [NeedsFold] as an allocation-free check). It never
// changes letter case and never converts phrases: a traditional character
// whose simplified form depends on context (乾 in 乾隆 vs 乾燥) always takes
// OpenCC's default, so the output is meant for matching, not for display.
//
// # Data
//
// The traditional → simplified table is generated (go generate; see
// internal/gen) from OpenCC's TSCharacters dictionary, keeping the first
// candidate of each entry, and committed as t2s_table.go, so building and
// testing need no OpenCC installation. OpenCC (https://github.com/BYVoid/OpenCC)
// is Copyright 2010-2022 BYVoid and contributors and licensed under the
// Apache License, Version 2.0; the generated file carries the attribution.
// On top of it, table.go folds a few simplified variants users write for one
// another (帐 for 账), so that 轉帳, 转帐 and 转账 match.
//
// Lookups are O(1) for the Basic Multilingual Plane (a two-level array built
// once at package initialisation) and a binary search over a few hundred
// entries above it.
//
// # Concurrency
//
// All functions are pure and safe for concurrent use; the package holds no
// mutable state (the lookup table is read-only after initialisation).
package textnorm
