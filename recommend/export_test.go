package recommend

// ExplainCacheOff turns off e's cache of rule explanations (whyCache),
// for the tests and comparisons that measure an Explainer without it.
func ExplainCacheOff(e *Engine) {
	e.whys.off.Store(true)
	e.whys.mu.Lock()
	e.whys.m, e.whys.profiles = nil, nil
	e.whys.mu.Unlock()
}

// ExplainCacheAdmitAll makes e's cache of rule explanations admit the
// values of every profile the first time they are seen (whyCache.door),
// for the tests that compare its answers with and without admission.
func ExplainCacheAdmitAll(e *Engine) {
	e.whys.admitAll.Store(true)
}

// ExplainClassesOff turns off e's classes of rule explanations
// (whyClass), for the comparisons that measure the cache without them.
func ExplainClassesOff(e *Engine) {
	e.whys.noClasses.Store(true)
}
