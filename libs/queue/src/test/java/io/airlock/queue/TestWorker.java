package io.airlock.queue;

import io.airlock.contracts.WorkItem;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A worker as the services write them: a plain {@code @Incoming} method taking the record, and emitters. */
@ApplicationScoped
public class TestWorker {
    private final List<WorkItem> handled = new CopyOnWriteArrayList<>();
    private final List<String> attempts = new CopyOnWriteArrayList<>();
    private final List<IncomingStreamMetadata> metas = new CopyOnWriteArrayList<>();

    @Inject
    @Channel("work-out")
    Emitter<WorkItem> work;

    @Inject
    @Channel("meta-out")
    MutinyEmitter<WorkItem> meta;

    @Incoming("work-in")
    @Blocking(ordered = false)
    public void onWork(WorkItem item) {
        attempts.add(item.name());
        if (item.name().equals("explode")) {
            throw new IllegalStateException("cannot handle " + item.submissionId());
        }
        handled.add(item);
    }

    @Incoming("meta-in")
    @Blocking(ordered = false)
    public void onMeta(WorkItem item, IncomingStreamMetadata m) {
        metas.add(m);
    }

    /** Completes once Redis has stored the entry, as a worker's handler would wait for it. */
    public void send(WorkItem item) {
        work.send(item).toCompletableFuture().join();
    }

    public void sendWithHeaders(WorkItem item, Map<String, String> headers) {
        meta.sendMessageAndAwait(Message.of(item, Metadata.of(new OutgoingStreamMetadata(headers))));
    }

    // accessors: the test holds a client proxy, whose fields are not the bean's
    public List<WorkItem> handled() {
        return handled;
    }

    public List<String> attempts() {
        return attempts;
    }

    public List<IncomingStreamMetadata> metas() {
        return metas;
    }
}
