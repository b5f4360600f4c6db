package recommend

// ExplainCacheOff turns off e's cache of rule explanations (whyCache),
// for the tests and comparisons that measure an Explainer without it.
func ExplainCacheOff(e *Engine) {
	e.whys.mu.Lock()
	e.whys.off, e.whys.m, e.whys.profiles = true, nil, nil
	e.whys.mu.Unlock()
}
