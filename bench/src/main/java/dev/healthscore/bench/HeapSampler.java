package dev.healthscore.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * Samples the heap while a benchmark runs: the highest heap use seen every 10 ms, and the
 * sum of the heap pools' own peaks (an upper bound: pools peak at different times).
 */
final class HeapSampler {

	private final Thread thread;

	private volatile boolean running = true;

	private volatile long peakUsed;

	private HeapSampler() {
		this.thread = new Thread(this::sample, "heap-sampler");
		this.thread.setDaemon(true);
	}

	static HeapSampler start() {
		System.gc();
		heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
		HeapSampler sampler = new HeapSampler();
		sampler.thread.start();
		return sampler;
	}

	Peak stop() throws InterruptedException {
		this.running = false;
		this.thread.join();
		long poolPeaks = heapPools().stream().mapToLong((pool) -> pool.getPeakUsage().getUsed()).sum();
		return new Peak(this.peakUsed, poolPeaks, Runtime.getRuntime().maxMemory());
	}

	private void sample() {
		while (this.running) {
			this.peakUsed = Math.max(this.peakUsed, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private static List<MemoryPoolMXBean> heapPools() {
		return ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter((pool) -> pool.getType() == MemoryType.HEAP)
			.toList();
	}

	/**
	 * The heap's peaks, in bytes.
	 *
	 * @param sampled the highest use sampled
	 * @param poolPeaks the sum of the pools' peaks
	 * @param max the heap's maximum size
	 */
	record Peak(long sampled, long poolPeaks, long max) {

	}

}
