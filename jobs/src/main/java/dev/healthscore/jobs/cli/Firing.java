package dev.healthscore.jobs.cli;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import dev.healthscore.schedules.ScheduleParameters;

/**
 * One firing of a schedule as a command line runs it: the {@code run} command line
 * without its {@code --scheduled-time}, and that time. EventBridge Scheduler delivers a
 * firing at least once, each delivery with the same command line and time.
 *
 * @param command {@code run <job-or-chain>} and its options in name order, without the
 * scheduled time and the settings ({@code --spring.*}, {@code --healthscore.*},
 * {@code --logging.*}: they change how a run works, not what it is for)
 * @param time the instant the schedule fired for
 */
public record Firing(String command, Instant time) {

	/**
	 * The firing a {@code run} command line runs, or {@code null} for one without
	 * {@code --scheduled-time} (a manual run).
	 * @param invocation a parsed {@code run} command line
	 * @return the firing, or {@code null}
	 */
	public static Firing of(Invocation invocation) {
		Instant time = invocation.instant(ScheduleParameters.SCHEDULED_TIME, null);
		if (time == null) {
			return null;
		}
		StringBuilder command = new StringBuilder("run ").append(invocation.job());
		Map<String, String> options = new TreeMap<>(invocation.options());
		options.remove(ScheduleParameters.SCHEDULED_TIME);
		options.forEach((name, value) -> {
			if (!Invocation.isSetting(name)) {
				command.append(" --").append(name).append('=').append(value);
			}
		});
		return new Firing(command.toString(), time);
	}

	/** The command line of the firing, its scheduled time last. */
	@Override
	public String toString() {
		return this.command + " --" + ScheduleParameters.SCHEDULED_TIME + "=" + this.time;
	}

}
