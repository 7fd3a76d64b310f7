package dev.healthscore.io.replica;

import java.time.Duration;

/** Waits between attempts; tests replace it to run without waiting. */
@FunctionalInterface
interface Pause {

	/** The real one: sleeps the current thread. */
	Pause SLEEP = (duration) -> Thread.sleep(duration.toMillis());

	void pause(Duration duration) throws InterruptedException;

}
