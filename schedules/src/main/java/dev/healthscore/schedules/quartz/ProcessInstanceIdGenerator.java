package dev.healthscore.schedules.quartz;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.quartz.SchedulerException;
import org.quartz.spi.InstanceIdGenerator;

/**
 * Names a clustered scheduler node {@code <host>-<pid>-<start millis>}.
 *
 * <p>
 * Quartz's own {@code AUTO} ids are the host name and the current millisecond, so two
 * nodes that start in the same millisecond on one host (two processes on a laptop, two
 * containers sharing a host name) get the same id and the cluster sees one node where
 * there are two: each takes the other's check-ins for its own, and neither recovers the
 * other's jobs when it dies. The process id tells them apart; the time tells a restarted
 * process from the one it replaced when the id is reused (pid 1 in a container).
 */
public final class ProcessInstanceIdGenerator implements InstanceIdGenerator {

	@Override
	public String generateInstanceId() throws SchedulerException {
		return instanceId(host(), ProcessHandle.current().pid(), System.currentTimeMillis());
	}

	static String instanceId(String host, long pid, long millis) {
		return host + "-" + pid + "-" + millis;
	}

	private static String host() throws SchedulerException {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			throw new SchedulerException("Cannot name this scheduler node: the host name does not resolve", ex);
		}
	}

}
