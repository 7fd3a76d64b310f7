package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * Chooses the embedded replica's port. The replica restarts on the same port (its URL
 * stays the same), and while it is stopped, the kernel may give that port to an outgoing
 * connection as its local port if the port lies in the range it hands out for those
 * (Linux: {@code net.ipv4.ip_local_port_range}); the restart would then fail with
 * "Address already in use" for as long as that connection lives. So the port is taken
 * below that range when the range is known and leaves room, and from the kernel (port 0)
 * otherwise.
 */
final class ReplicaPorts {

	/** The lowest port chosen: above the well-known and most registered services. */
	static final int LOWEST = 20_000;

	private static final int ATTEMPTS = 50;

	private static final Path LINUX_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

	private ReplicaPorts() {
	}

	/**
	 * Returns a free loopback port for the replica.
	 * @return the port
	 */
	static int choose() throws IOException {
		Optional<int[]> range = kernelRange();
		if (range.isPresent()) {
			Optional<Integer> port = below(range.get()[0], ReplicaPorts::isFree, RandomGenerator.getDefault());
			if (port.isPresent()) {
				return port.get();
			}
		}
		return kernelPort();
	}

	/**
	 * Picks a port from {@link #LOWEST} up to, not including, {@code firstEphemeral}.
	 * @param firstEphemeral the first port of the kernel's range for outgoing connections
	 * @param free whether a port is free
	 * @param random where the tries come from
	 * @return a free port, or empty when there is no room below the range or no try found
	 * one
	 */
	static Optional<Integer> below(int firstEphemeral, IntPredicate free, RandomGenerator random) {
		if (firstEphemeral <= LOWEST) {
			return Optional.empty();
		}
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			int port = random.nextInt(LOWEST, firstEphemeral);
			if (free.test(port)) {
				return Optional.of(port);
			}
		}
		return Optional.empty();
	}

	/**
	 * Reads this machine's range of ports for outgoing connections (Linux).
	 * @return the first and last port, or empty when it is not known
	 */
	static Optional<int[]> kernelRange() {
		return ephemeralRange(LINUX_RANGE);
	}

	/**
	 * Reads the kernel's range of ports for outgoing connections.
	 * @param file {@code ip_local_port_range}: two numbers
	 * @return the first and last port, or empty when the file is missing or unreadable
	 */
	static Optional<int[]> ephemeralRange(Path file) {
		// not Files.readString: on JDK 17 it read only "3" of this procfs file, whose
		// size reads as 0
		try (InputStream in = Files.newInputStream(file)) {
			String[] parts = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
			if (parts.length != 2) {
				return Optional.empty();
			}
			int first = Integer.parseInt(parts[0]);
			int last = Integer.parseInt(parts[1]);
			return (first > 0 && first <= last && last <= 65_535) ? Optional.of(new int[] { first, last })
					: Optional.empty();
		}
		catch (IOException | RuntimeException ex) {
			return Optional.empty();
		}
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int kernelPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
