package io.github.dml4j.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An optimizer whose whole state (the update count of every parameter and its per-parameter
 * buffers, such as Adam's moments) can be written to a checkpoint and read back, so that a
 * resumed run continues bit for bit where the interrupted one stopped. DJL's own optimizers keep
 * their counts and buffers private; {@link ResumableAdam}, {@link ResumableSgd} and
 * {@link RmsProp} make the same engine calls and expose their state through this class.
 *
 * <p>A subclass calls {@link #nextUpdate(String)} once per update of a parameter (it returns
 * 1 on the first, as DJL's {@code updateCount} does) and keeps its buffers with
 * {@link #state(String, String, NDArray)}.
 */
public abstract class ResumableOptimizer extends Optimizer {

    private static final int FORMAT = 1;

    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private final Map<String, Map<String, NDArray>> buffers = new ConcurrentHashMap<>();

    /**
     * Creates the optimizer.
     *
     * @param builder DJL's optimizer settings (weight decay, gradient rescaling and clipping)
     */
    protected ResumableOptimizer(OptimizerBuilder<?> builder) {
        super(builder);
    }

    /**
     * Counts an update of a parameter.
     *
     * @param parameterId the parameter's id
     * @return the number of this update, 1 for the first
     */
    protected int nextUpdate(String parameterId) {
        return counts.merge(parameterId, 1, Integer::sum);
    }

    /**
     * The named buffer of a parameter, created as zeros like the weight on first use.
     *
     * @param parameterId the parameter's id
     * @param name the buffer's name, e.g. {@code "mean"}
     * @param weight the parameter's weight, whose shape, type and device the buffer takes
     * @return the buffer, updated in place by the subclass
     */
    protected NDArray state(String parameterId, String name, NDArray weight) {
        Map<String, NDArray> own = buffers.computeIfAbsent(parameterId, k -> new ConcurrentHashMap<>());
        return own.computeIfAbsent(name, k -> {
            NDArray zeros = weight.zerosLike();
            // detached, as DJL's optimizers detach theirs: the weight handed to update() may live in a
            // manager that closes after the step (a TorchScript module's parameters do), and a buffer
            // freed with it would be read after it is freed at the next step
            zeros.detach();
            return zeros;
        });
    }

    /**
     * The number of updates made so far of each parameter, by id.
     *
     * @return a sorted copy
     */
    public Map<String, Integer> updateCounts() {
        return new TreeMap<>(counts);
    }

    /**
     * Writes the state under the parameters' ids; see {@link #writeState(DataOutputStream, Map)}.
     *
     * @param out the stream
     * @throws IOException if the stream fails
     */
    public void writeState(DataOutputStream out) throws IOException {
        writeState(out, null);
    }

    /**
     * Writes the update counts and every buffer, parameters in name order, buffers in name order;
     * arrays as DJL's {@link NDArray#encode()} bytes, so they read back bit for bit. DJL's
     * parameter ids are random for every new block, so a checkpoint names each parameter by its
     * path in the block instead ({@code names}), which a block of the same structure in another
     * JVM has too.
     *
     * @param out the stream
     * @param names the stable name of each parameter by id, or null to write the ids
     * @throws IOException if the stream fails
     * @throws IllegalStateException if the state holds a parameter {@code names} does not name
     */
    public void writeState(DataOutputStream out, Map<String, String> names) throws IOException {
        out.writeInt(FORMAT);
        out.writeUTF(getClass().getName());
        TreeSet<String> idSet = new TreeSet<>(counts.keySet());
        idSet.addAll(buffers.keySet());
        TreeMap<String, String> byName = new TreeMap<>();
        for (String id : idSet) {
            String name = names == null ? id : names.get(id);
            if (name == null) {
                throw new IllegalStateException("The optimizer holds state of parameter " + id
                        + ", which is not one of the block's.");
            }
            byName.put(name, id);
        }
        out.writeInt(byName.size());
        for (Map.Entry<String, String> entry : byName.entrySet()) {
            String id = entry.getValue();
            out.writeUTF(entry.getKey());
            out.writeInt(counts.getOrDefault(id, 0));
            Map<String, NDArray> own = new TreeMap<>(buffers.getOrDefault(id, Map.of()));
            out.writeInt(own.size());
            for (Map.Entry<String, NDArray> e : own.entrySet()) {
                out.writeUTF(e.getKey());
                byte[] bytes = e.getValue().encode();
                out.writeInt(bytes.length);
                out.write(bytes);
            }
        }
    }

    /**
     * Replaces the state with one written under parameter ids; see
     * {@link #readState(NDManager, Device, DataInputStream, Map)}.
     *
     * @param manager the manager the buffers are created in (the parameters' manager)
     * @param device the device of the parameters
     * @param in the stream
     * @throws IOException if the stream fails or holds the state of another optimizer
     */
    public void readState(NDManager manager, Device device, DataInputStream in) throws IOException {
        readState(manager, device, in, null);
    }

    /**
     * Replaces the state with one written by {@link #writeState} for an optimizer of the same class.
     *
     * @param manager the manager the buffers are created in (the parameters' manager)
     * @param device the device of the parameters
     * @param in the stream
     * @param ids the id of each parameter by the stable name it was written under, or null if
     *     it was written under ids
     * @throws IOException if the stream fails, holds the state of another optimizer or of a
     *     parameter the block does not have
     */
    public void readState(NDManager manager, Device device, DataInputStream in, Map<String, String> ids)
            throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("Optimizer state format " + format + " is not supported (expected " + FORMAT + ").");
        }
        String type = in.readUTF();
        if (!type.equals(getClass().getName())) {
            throw new IOException("The optimizer state was written by " + type + ", not by " + getClass().getName()
                    + ": resume with the optimizer the run was started with.");
        }
        Map<String, Integer> newCounts = new TreeMap<>();
        Map<String, Map<String, NDArray>> newBuffers = new TreeMap<>();
        List<NDArray> read = new ArrayList<>();
        try {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                String id = ids == null ? name : ids.get(name);
                if (id == null) {
                    throw new IOException("The optimizer state holds parameter " + name + ", which the block does not have.");
                }
                newCounts.put(id, in.readInt());
                int states = in.readInt();
                Map<String, NDArray> own = new ConcurrentHashMap<>();
                for (int s = 0; s < states; s++) {
                    String buffer = in.readUTF();
                    byte[] bytes = new byte[in.readInt()];
                    in.readFully(bytes);
                    NDArray array = manager.decode(bytes).toDevice(device, false);
                    array.detach();
                    read.add(array);
                    own.put(buffer, array);
                }
                newBuffers.put(id, own);
            }
        } catch (IOException | RuntimeException e) {
            read.forEach(NDArray::close);
            throw e;
        }
        buffers.values().forEach(m -> m.values().forEach(NDArray::close));
        buffers.clear();
        buffers.putAll(newBuffers);
        counts.clear();
        newCounts.forEach((id, c) -> {
            if (c > 0) {
                counts.put(id, c);
            }
        });
    }

    /**
     * The learning-rate, weight-decay and clipping settings checked as DJL's optimizers check them.
     *
     * @param learningRate the rate of this update
     * @param weightDecay the weight decay
     * @throws IllegalStateException if either is NaN or infinite
     */
    protected static void checkFinite(float learningRate, float weightDecay) {
        if (!Float.isFinite(learningRate) || !Float.isFinite(weightDecay)) {
            throw new IllegalStateException("The learning rate (" + learningRate + ") or weight decay (" + weightDecay
                    + ") is NaN or infinite.");
        }
    }

    /**
     * The settings every resumable optimizer has: DJL's (weight decay, gradient rescaling and
     * clipping) and the learning rate of every parameter and update.
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> extends OptimizerBuilder<T> {

        private ParameterTracker learningRateTracker;

        /**
         * Creates the builder.
         *
         * @param defaultRate the learning rate until {@link #optLearningRateTracker} sets one
         */
        protected BaseBuilder(float defaultRate) {
            this.learningRateTracker = Tracker.fixed(defaultRate);
        }

        /**
         * Sets the learning rate of every parameter and update, e.g. the trainer's grouped rates.
         *
         * @param tracker the learning rates
         * @return this builder
         */
        public T optLearningRateTracker(ParameterTracker tracker) {
            this.learningRateTracker = tracker;
            return self();
        }

        /**
         * The learning rates, checked.
         *
         * @param optimizer the optimizer's name, for the message
         * @return the tracker
         * @throws IllegalArgumentException if it was set to null
         */
        protected ParameterTracker learningRateTracker(String optimizer) {
            if (learningRateTracker == null) {
                throw new IllegalArgumentException(optimizer + "'s learning rate tracker must not be null.");
            }
            return learningRateTracker;
        }
    }
}
